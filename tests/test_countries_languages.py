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


def test_other_languages_are_read_before_english_patterns():
    """country_converter's English regexes would read Uzbek 'Nigeriya' as Niger, 'Janubiy Sudan' as Sudan."""
    assert countries.resolve("Nigeriya").iso3 == "NGA"
    assert countries.resolve("Janubiy Sudan").iso3 == "SSD"


def test_no_english_name_is_shadowed_by_another_language():
    data = countries._converter().data
    for column in ("name_short", "name_official"):
        for name, iso3 in zip(data[column], data["ISO3"]):
            if isinstance(name, str):
                found = countries._cldr().get(countries._norm(name))
                assert found is None or found.iso3 == iso3, (name, iso3, found)


@pytest.mark.parametrize("text, iso3", [
    ("Молдова, Республика", "MDA"),            # ISO 3166 inverted style (BNS Kazakhstan), un-inverted
    ("Иран, Исламская Республика", "IRN"),     # iso-codes official name, stress mark folded
    ("Южная Африка", "ZAF"),                   # iso-codes country name wins over CLDR's region 018
    ("Китaй", "CHN"),                          # Latin look-alike a (Rosstat)
])
def test_publisher_forms_through_standard_sources(text, iso3):
    assert countries.resolve(text).iso3 == iso3


def test_name_table_is_built_lazily():
    import subprocess
    import sys

    code = ("import sys; import sco_observatory.cli, sco_observatory.countries as c; "
            "print(c._cldr.cache_info().currsize, 'babel' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "False"]
