"""The evaluator applies the eval file's rules: all groups must match, no forbidden phrase."""

from pathlib import Path

from tools.faq_eval import Case, evaluate, judge, load_cases, report

CASE = Case(
    id="c", question="q", expect=[["autoimmune", "immune system"], ["joint"]], forbid=["cure"]
)


def test_every_group_must_match_by_any_phrase_case_insensitively() -> None:
    assert judge(CASE, ["RA is an Immune System disease", "of the JOINTS"]).passed


def test_a_missing_group_fails() -> None:
    result = judge(CASE, ["RA is autoimmune."])
    assert not result.passed
    assert result.missing == [["joint"]]


def test_a_forbidden_phrase_fails() -> None:
    result = judge(CASE, ["autoimmune joint disease with no cure"])
    assert result.forbidden == ["cure"]
    assert not result.passed


def test_report_ends_with_the_counts_and_shows_failures() -> None:
    results = [judge(CASE, ["autoimmune joint"]), judge(CASE, ["nothing"])]
    text = report(results)
    assert text.splitlines()[-1] == "faq_eval: 1 passed, 1 failed"
    assert "FAIL c" in text and "missing one of" in text


def test_each_case_is_a_fresh_conversation(tmp_path: Path) -> None:
    path = tmp_path / "cases.yml"
    path.write_text(
        "cases:\n"
        "  - {id: a, question: one, expect: [[x]]}\n"
        "  - {id: b, question: two, expect: [[y]], forbid: [z]}\n"
    )
    cases = load_cases(path)
    senders = []

    def send(sender: str, message: str) -> list[str]:
        senders.append(sender)
        return {"one": ["X"], "two": ["y z"]}[message]

    results = evaluate(cases, send)
    assert [r.passed for r in results] == [True, False]
    assert len(set(senders)) == 2
