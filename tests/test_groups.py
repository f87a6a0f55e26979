"""Group expressions: aliases, lists, names with punctuation, set operations, errors."""

import pytest

from sco_observatory.errors import BadDateError, GroupExpressionError, UnknownCountryError
from sco_observatory.groups import resolve_group


def test_ca5_alias():
    assert resolve_group("CA5").iso3 == ["KAZ", "KGZ", "TJK", "TKM", "UZB"]


def test_list_of_names_and_codes():
    assert resolve_group("KAZ,KGZ,Tajikistan").iso3 == ["KAZ", "KGZ", "TJK"]
    assert resolve_group(" kaz , 417 ").iso3 == ["KAZ", "KGZ"]


def test_names_with_commas_and_hyphens_are_rejoined():
    assert resolve_group("Korea, Rep.,Guinea-Bissau,KAZ").iso3 == ["KOR", "GNB", "KAZ"]
    assert resolve_group("Iran, Islamic Rep.+Kyrgyz Republic").iso3 == ["IRN", "KGZ"]


def test_add_and_remove():
    assert resolve_group("CA5-TKM").iso3 == ["KAZ", "KGZ", "TJK", "UZB"]
    assert resolve_group("CA5-TKM+RUS+CHN").iso3 == ["KAZ", "KGZ", "TJK", "UZB", "RUS", "CHN"]
    assert resolve_group("CA5+KAZ").iso3 == ["KAZ", "KGZ", "TJK", "TKM", "UZB"]


@pytest.mark.parametrize("bad", ["", "+KAZ", "KAZ+", "KAZ,,KGZ", "CA5-RUS"])
def test_malformed_expressions(bad):
    with pytest.raises(GroupExpressionError):
        resolve_group(bad)


def test_unknown_country_in_expression():
    with pytest.raises(UnknownCountryError):
        resolve_group("KAZ,Narnia")


def test_organisation_members_as_of_dates():
    founders = {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"}
    assert set(resolve_group("SCO@2012").iso3) == founders
    assert set(resolve_group("SCO:observer@2012-12-31").iso3) == {"MNG", "IRN", "IND", "PAK", "AFG"}
    assert set(resolve_group("SCO@2017-06-09").iso3) == founders | {"IND", "PAK"}
    assert set(resolve_group("SCO@2016+IND+PAK").iso3) == founders | {"IND", "PAK"}
    assert "BLR" not in resolve_group("SCO@2024-BLR").iso3
    both = resolve_group("SCO:member,observer@2016")
    assert founders <= set(both.iso3) and "MNG" in both.iso3
    assert str(resolve_group("SCO@2012").as_of[0]) == "2012-12-31"


def test_impossible_dates_in_expressions():
    with pytest.raises(BadDateError):
        resolve_group("SCO@1200")
    with pytest.raises(BadDateError):
        resolve_group("SCO@2012-13-40")


def test_unknown_organisation_suggests():
    from sco_observatory.errors import UnknownOrganisationError

    with pytest.raises(UnknownOrganisationError) as err:
        resolve_group("SCOO@2012")
    assert "SCO" in err.value.one_line()


def test_unknown_status():
    with pytest.raises(GroupExpressionError, match="unknown status 'partnr'"):
        resolve_group("SCO:partnr@2012")
    # a known status nobody held on the date, with no note to explain it, is still an empty-group error
    with pytest.raises(GroupExpressionError, match="has no members"):
        resolve_group("SCO:partner@2012")
