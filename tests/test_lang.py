"""Names in the region's languages (issue #13): input in those languages, output with --lang / lang=.

Input: the resolver reads country names from CLDR (babel) and organisation names from the ledger's
sourced `names:`. Output: `--lang` (CLI), `Observatory(lang=)` and `sco report --lang` show country
names from CLDR, organisation names and status words from the ledger's sourced entries, English where
no source gives one. Codes never change.
"""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from babel import Locale

import sco_observatory as sco
from sco_observatory import countries
from sco_observatory.cli import main
from sco_observatory.kb import load_ledger
from sco_observatory.kb.names import localise, org_name, status_word


def _run(capsys, args):
    capsys.readouterr()
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def _csv(capsys, args) -> pl.DataFrame:
    rc, out, err = _run(capsys, [*args, "--format", "csv"])
    assert rc == 0, err
    return pl.read_csv(io.StringIO(out))


# ------------------------------------------------------------------------------ input: country names
@pytest.mark.parametrize("name", [
    "Казахстан",      # Russian
    "哈萨克斯坦",       # Chinese
    "Қазақстан",      # Kazakh
    "Qozogʻiston",    # Uzbek, Latin
    "Қозоғистон",     # Uzbek, Cyrillic
    "قزاقستان",        # Persian
    "कज़ाखस्तान",       # Hindi
    "قزاخستان",        # Urdu
])
def test_history_takes_a_country_name_in_the_regions_languages(capsys, name):
    frame = _csv(capsys, ["history", name])
    english = _csv(capsys, ["history", "KAZ"])
    assert frame.equals(english)
    assert "SCO" in frame["org"].to_list()


def test_every_cldr_locale_babel_ships_is_read():
    """kk, uz, uz_Cyrl, ky, tg, fa, hi, ur (and ru, zh, zh_Hant): babel ships each one, the resolver reads it."""
    for locale in ("kk", "uz", "uz_Cyrl", "ky", "tg", "fa", "hi", "ur", "ru", "zh", "zh_Hant"):
        assert locale in countries.CLDR_LOCALES
        name = Locale.parse(locale).territories["TJ"]
        assert countries.resolve(name).iso3 == "TJK", (locale, name)


# ------------------------------------------------------------------------- input: organisation names
def test_members_takes_the_russian_abbreviation(capsys):
    assert _csv(capsys, ["members", "ШОС@2024"]).equals(_csv(capsys, ["members", "SCO@2024"]))


@pytest.mark.parametrize("name", [
    "Шанхайская организация сотрудничества",  # ru
    "上海合作组织",                              # zh
    "上海合作組織",                              # zh_Hant
    "Шанхай Ынтымақтастық Ұйымы",              # kk
    "Shanxay hamkorlik tashkiloti",            # uz (Latin)
    "سازمان همکاری شانگهای",                    # fa
    "शंघाई सहयोग संगठन",                         # hi
    "شنگھائی تعاون تنظیم",                       # ur
    "Созмони ҳамкории Шанхай",                 # tg
    "Шанхай кызматташтык уюму",                # ky
])
def test_the_sco_in_the_regions_languages(capsys, name):
    assert _csv(capsys, ["members", f"{name}@2024"]).equals(_csv(capsys, ["members", "SCO@2024"]))


def test_every_official_name_resolves_and_cites_a_ledger_source():
    lg = load_ledger()
    for o in lg.orgs.values():
        for n in o.names:
            assert n.lang in countries.DISPLAY_LANGUAGES, (o.id, n.lang)
            assert n.source in lg.sources, (o.id, n.name)
            assert lg.org_id(n.name) == o.id and (n.short is None or lg.org_id(n.short) == o.id)
        for s in o.status_names:
            assert s.source in lg.sources and s.lang in countries.DISPLAY_LANGUAGES, (o.id, s)


def test_a_name_in_a_language_lang_cannot_show_is_rejected(ledger_copy):
    from sco_observatory.errors import KnowledgeBaseError

    path = ledger_copy / "organisations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '{lang: kk, name: "Шанхай', '{lang: kz, name: "Шанхай'), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="unknown language 'kz'"):
        load_ledger(ledger_copy)


def test_a_status_name_citing_an_unknown_source_is_rejected(ledger_copy):
    from sco_observatory.errors import KnowledgeBaseError

    path = ledger_copy / "organisations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'name: "наблюдатель", source: adilet_sco_charter_ru', 'name: "наблюдатель", source: no_such_source'),
        encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="no_such_source"):
        load_ledger(ledger_copy)


# ------------------------------------------------------------------------------- output: --lang
def test_members_lang_ru_and_zh(capsys):
    ru = _csv(capsys, ["members", "SCO@2024", "--lang", "ru"])
    zh = _csv(capsys, ["members", "SCO@2024", "--lang", "zh"])
    en = _csv(capsys, ["members", "SCO@2024"])
    names = dict(zip(ru["iso3"], ru["name"]))
    assert names["KAZ"] == "Казахстан" and names["CHN"] == "Китай"
    assert dict(zip(zh["iso3"], zh["name"]))["KAZ"] == "哈萨克斯坦"
    # only the names change: codes, statuses, dates and sources are the English frame's
    assert ru.drop("name").equals(en.drop("name")) and zh.drop("name").equals(en.drop("name"))


def test_history_lang_ru_names_the_organisations_from_their_sources(capsys):
    frame = _csv(capsys, ["history", "Казахстан", "--lang", "ru"])
    names = dict(zip(frame["org"], frame["org_name"]))
    assert names["SCO"] == "Шанхайская организация сотрудничества"
    assert names["CSTO"] == "Организация Договора о коллективной безопасности"
    assert names["CAREC"] == "Central Asia Regional Economic Cooperation Program"  # no sourced Russian name: English
    rc, out, _ = _run(capsys, ["history", "KAZ", "--lang", "ru"])
    assert rc == 0 and "Казахстан (KAZ)" in out


def test_overlap_lang_ru_names_countries_and_captions_the_organisations(capsys):
    frame = _csv(capsys, ["overlap", "--as-of", "2014-12-31", "--countries", "CA5", "--lang", "ru"])
    assert "Казахстан" in frame["name"].to_list() and "SCO" in frame.columns
    rc, out, _ = _run(capsys, ["overlap", "--as-of", "2014-12-31", "--countries", "CA5", "--lang", "ru"])
    assert rc == 0 and "Шанхайская организация" in " ".join(out.split())


def test_power_lang_ru_adds_the_names(capsys):
    ru = _csv(capsys, ["power", "SCO@2012", "-i", "defence", "-y", "2012", "--lang", "ru"])
    en = _csv(capsys, ["power", "SCO@2012", "-i", "defence", "-y", "2012"])
    assert ru.columns[:2] == ["iso3", "name"] and "name" not in en.columns
    assert dict(zip(ru["iso3"], ru["name"]))["KGZ"] == "Киргизия"
    assert ru.drop("name").equals(en)


def test_timeline_orgs_and_graph_lang(capsys):
    tl = _csv(capsys, ["timeline", "SCO", "--lang", "zh"])
    assert "哈萨克斯坦" in tl["name"].to_list()
    orgs = _csv(capsys, ["orgs", "--lang", "ru"])
    assert dict(zip(orgs["id"], orgs["name"]))["EAEU"] == "Евразийский экономический союз"
    rc, out, _ = _run(capsys, ["graph", "--as-of", "2012-12-31", "--lang", "kk"])
    labels = {n["id"]: n["label"] for n in json.loads(out)["nodes"]}
    assert rc == 0 and labels["KAZ"] == "Қазақстан" and labels["SCO"] == "Шанхай Ынтымақтастық Ұйымы"


@pytest.mark.parametrize("lang", ["xx", "english", "ru_RU"])
def test_an_unknown_language_is_one_line_exit_2(capsys, lang):
    for args in (["members", "SCO@2012"], ["history", "KAZ"], ["report", "-o", "never.html"]):
        rc, out, err = _run(capsys, [*args, "--lang", lang])
        assert rc == 2 and err.count("\n") == 1 and "unknown language" in err and "ru, zh" in err, (args, err)


def test_language_codes_are_read_loosely():
    assert countries.check_language("RU") == "ru"
    assert countries.check_language("uz-cyrl") == "uz_Cyrl"
    assert countries.check_language("en") is None and countries.check_language(None) is None


# ------------------------------------------------------------------------------------- library
def test_library_lang_is_the_cli(capsys):
    with sco.open(lang="ru") as obs:
        assert obs.members("SCO@2016")["name"].to_list() == _csv(capsys, ["members", "SCO@2016", "--lang", "ru"])["name"].to_list()
        assert "lang='ru'" in repr(obs)
    with pytest.raises(countries.UnknownLanguageError):
        sco.open(lang="klingon")


def test_display_names_come_from_cldr_and_fall_back_to_english():
    for lang in countries.CLDR_LOCALES:
        assert countries.display_name("UZB", lang) == Locale.parse(lang).territories["UZ"]
    assert countries.display_name("SUN", "ru") == countries.name_of("SUN")  # no CLDR territory: English
    assert countries.display_name("KAZ") == "Kazakhstan"


def test_names_fall_back_to_english_where_no_source_gives_one():
    assert org_name("SCO", "uz_Cyrl") == "Shanghai Cooperation Organisation"  # a name in Latin script is not shown
    assert org_name("ШОС", "zh") == "上海合作组织"
    assert status_word("observer", "ru") == "наблюдатель" and status_word("dialogue_partner", "zh") == "对话伙伴"
    assert status_word("partner", "ru") == "partner"  # no sourced Russian word for the merged status
    frame = pl.DataFrame({"iso3": ["KAZ"], "name": ["Kazakhstan"], "org": ["CAREC"], "org_name": ["x"]})
    assert localise(frame, None).equals(frame)
    assert localise(frame, "ru")["name"][0] == "Казахстан"


# -------------------------------------------------------------------------------------- report
@pytest.mark.slow
def test_report_lang_ru_has_russian_names(tmp_path, monkeypatch, capsys):
    """`sco report --lang ru`: country names, the SCO's Russian name and its status words in Russian."""
    monkeypatch.setenv("SCO_SNAPSHOT_DIR", "")  # the embedded default only: the names do not need data
    out = tmp_path / "r.html"
    rc, _, err = _run(capsys, ["report", "-o", str(out), "--as-of", "2024-12-31", "--lang", "ru"])
    assert rc == 0, err
    html = out.read_text("utf-8")
    assert "Казахстан" in html and "Шанхайская организация сотрудничества" in html
    assert "наблюдатель" in html and "государство-член" in html
    matrix = html.split('id="architecture"')[1].split("</table>")[0]
    assert "Казахстан" in matrix and "Kazakhstan" not in matrix  # the overlap matrix's names


def test_arabic_keyboard_letters_read_as_persian():
    """Arabic yeh and kaf typed for the Persian letters (and the zero-width non-joiner) do not matter."""
    assert countries.resolve("ايران").iso3 == "IRN"
    assert load_ledger().org_id("سازمان همكاري شانگهاي") == "SCO"
    assert load_ledger().org_id("  shanxay   HAMKORLIK tashkiloti ") == "SCO"
