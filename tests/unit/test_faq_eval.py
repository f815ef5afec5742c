"""The evaluator applies the eval file's rules: all groups must match, no forbidden phrase."""

from pathlib import Path

from tools.faq_eval import Case, by_topic, evaluate, judge, load_cases, report, topic_of

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


def test_context_is_sent_first_in_the_same_conversation_and_only_the_question_judged(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.yml"
    path.write_text(
        "cases:\n"
        "  - id: follow-up\n"
        "    context:\n"
        "      - what does it cost?\n"
        "      - ok thanks\n"
        "    question: and for my wife?\n"
        "    expect: [[advisor]]\n"
        "    forbid: [euro]\n"
    )
    [case] = load_cases(path)
    assert case.context == ["what does it cost?", "ok thanks"]
    answers = {"what does it cost?": ["7,000 to 25,000 euro"], "ok thanks": ["You're welcome"]}
    sent: list[tuple[str, str]] = []

    def send(sender: str, message: str) -> list[str]:
        sent.append((sender, message))
        # The context's answer holds the forbidden word: only the question's answer counts.
        return answers.get(message, ["Ask the advisor"])

    [result] = evaluate([case], send)
    assert [m for _, m in sent] == ["what does it cost?", "ok thanks", "and for my wife?"]
    assert len({s for s, _ in sent}) == 1
    assert result.passed and result.answer == "ask the advisor"
    assert "after: ['what does it cost?', 'ok thanks']" in report([judge(case, ["no"])])


def test_a_case_without_context_sends_only_its_question(tmp_path: Path) -> None:
    path = tmp_path / "cases.yml"
    path.write_text("cases:\n  - {id: a, question: one, expect: [[x]]}\n")
    [case] = load_cases(path)
    assert case.context == []
    sent: list[str] = []

    def send(sender: str, message: str) -> list[str]:
        sent.append(message)
        return ["x"]

    assert evaluate([case], send)[0].passed
    assert sent == ["one"]


def test_the_topic_summary_groups_cases_by_id_without_their_number() -> None:
    assert topic_of("cost-12") == "cost" and topic_of("follow-up-2") == "follow-up"
    assert topic_of("red-flag") == "red-flag"
    cases = [Case(id=i, question="q", expect=[["x"]]) for i in ("cost-1", "cost-2", "insurance-1")]
    results = [judge(cases[0], ["x"]), judge(cases[1], ["y"]), judge(cases[2], ["x"])]
    lines = by_topic(results).splitlines()
    assert [line.split()[:2] for line in lines] == [["cost", "1/2"], ["insurance", "1/1"]]
    assert lines[0].endswith("50.0%") and lines[1].endswith("100.0%")


def test_the_held_out_sets_load_with_unique_ids_and_expectations() -> None:
    eval_dir = Path(__file__).resolve().parents[1] / "eval"
    for name in ("heldout_faq.yml", "heldout_practical.yml"):
        cases = load_cases(eval_dir / name)
        assert len({c.id for c in cases}) == len(cases), name
        assert all(c.expect and all(c.expect) for c in cases), name
