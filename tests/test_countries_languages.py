"""Country names in the region's languages (issue #13): CLDR territory names through babel."""

import pytest

from sco_observatory import countries


@pytest.mark.parametrize("text", [
    "Казахстан",        # Russian
    "哈萨克斯坦",         # Chinese (simplified)
    "哈薩克",            # Chinese (traditional)
    "Қазақстан",        # Kazakh
    "Qozogʻiston",      # Uzbek, Latin, with the okina U+02BB
    "Qozog'iston",      # ... and with an ASCII apostrophe
    "Қозоғистон",       # Uzbek, Cyrillic
    "Казакстан",        # Kyrgyz
    "Қазоқистон",       # Tajik
    "قزاقستان",          # Persian
    "कज़ाखस्तान",         # Hindi
    "قزاخستان",          # Urdu
    "  КАЗАХСТАН ",     # case and whitespace do not matter
])
def test_kazakhstan_in_the_regions_languages(text):
    assert countries.resolve(text).iso3 == "KAZ"


@pytest.mark.parametrize("text, iso3", [
    ("Россия", "RUS"), ("Китай", "CHN"), ("Киргизия", "KGZ"), ("Кыргызстан", "KGZ"), ("Ўзбекистон", "UZB"),
    ("Oʻzbekiston", "UZB"), ("Тоҷикистон", "TJK"), ("ایران", "IRN"), ("भारत", "IND"), ("پاکستان", "PAK"),
    ("Монголия", "MNG"), ("Туркменистан", "TKM"), ("Беларусь", "BLR"),
])
def test_focus_countries_in_cldr_and_publisher_spellings(text, iso3):
    assert countries.resolve(text).iso3 == iso3


def test_cldr_regions_are_aggregates_not_countries():
    assert countries.lookup("весь мир").iso3 == "WLD"
    for region in ("Азия", "Европа", "Центральная Азия", "Европейский союз"):
        found = countries.lookup(region)
        assert found is not None and found.kind == "aggregate", region
        with pytest.raises(countries.AggregateNotCountryError):
            countries.resolve(region)


def test_the_name_table_comes_from_cldr_not_a_hand_table():
    """Every locale contributes: a name present only in one locale's CLDR data resolves."""
    from babel import Locale

    for locale in countries.CLDR_LOCALES:
        name = Locale.parse(locale).territories["UZ"]
        assert countries.resolve(name).iso3 == "UZB", (locale, name)


def test_english_names_still_come_first():
    assert countries.resolve("Georgia").iso3 == "GEO"
    assert countries.resolve("Niger").iso3 == "NER"
