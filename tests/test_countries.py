"""The one resolver: publisher spellings, codes, historical entities, aggregates, suggestions."""

import pytest

from sco_observatory import countries
from sco_observatory.errors import AggregateNotCountryError, UnknownCountryError


@pytest.mark.parametrize(
    "text, iso3",
    [
        ("Kyrgyz Republic", "KGZ"),          # World Bank
        ("Kyrgyz Rep.", "KGZ"),              # IMF
        ("Iran, Islamic Rep.", "IRN"),       # World Bank
        ("Iran, Islamic Rep. of", "IRN"),    # IMF
        ("Afghanistan, Islamic Rep. of", "AFG"),
        ("Russian Federation", "RUS"),
        ("China, P.R.: Mainland", "CHN"),
        ("Kazakhstan, Rep. of", "KAZ"),
        ("Turkiye", "TUR"),
        ("Curaçao, Kingdom of the Netherlands", "CUW"),
        ("KAZ", "KAZ"),
        ("kz", "KAZ"),
        ("398", "KAZ"),                      # M49 numeric
        ("762", "TJK"),
        ("Uzbekistan", "UZB"),
    ],
)
def test_publisher_spellings_and_codes(text, iso3):
    assert countries.resolve(text).iso3 == iso3


@pytest.mark.parametrize("text, code", [("USSR", "SUN"), ("Soviet Union", "SUN"), ("Yugoslavia", "YUG"),
                                        ("Czechoslovakia", "CSK"), ("CSK", "CSK"), ("Serbia and Montenegro", "SCG")])
def test_historical_entities_are_not_their_successors(text, code):
    found = countries.resolve(text)
    assert (found.iso3, found.kind) == (code, "historical")


@pytest.mark.parametrize("text", ["World", "WLD", "Euro Area", "Advanced Economies", "Europe & Central Asia", "High income"])
def test_aggregates_are_never_countries(text):
    assert countries.lookup(text).kind == "aggregate"
    with pytest.raises(AggregateNotCountryError):
        countries.resolve(text)
    assert countries.resolve(text, allow_aggregate=True).kind == "aggregate"


def test_unknown_name_suggests_closest_matches():
    with pytest.raises(UnknownCountryError) as err:
        countries.resolve("Kyrgystan")
    assert "did you mean Kyrgyzstan (KGZ)" in err.value.one_line()
    with pytest.raises(UnknownCountryError) as err:
        countries.resolve("Tadjikstann Republik of Nowhere")
    assert "unknown country" in err.value.message


def test_suggestions_for_a_typo():
    assert any("Kyrgyzstan" in s for s in countries.suggestions("Kyrgystan"))


def test_numeric_code_round_trip():
    assert countries.iso3_to_numeric("KGZ") == 417
    assert countries.name_of("TJK") == "Tajikistan"
