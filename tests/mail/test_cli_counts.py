"""`consult mail send` and `digest` say what this run did; `status` says it counts the outbox."""

from __future__ import annotations


def test_each_send_counts_its_own_run_and_status_the_whole_outbox(app, runner):
    for address in ("a@example.org", "b@example.org"):
        assert runner.invoke(args=["mail", "test", address]).exit_code == 0
    first = runner.invoke(args=["mail", "send"])
    assert "2 message(s) tried by this run" in first.output, first.output
    runner.invoke(args=["mail", "test", "c@example.org"])
    second = runner.invoke(args=["mail", "send"])
    assert "1 message(s) tried by this run" in second.output, second.output
    status = runner.invoke(args=["mail", "status"]).output
    assert "the outbox holds 3 message(s), from every run:" in status
    assert "  sent: 3" in status.splitlines()
    assert "digest(s) queued by this run" in runner.invoke(args=["mail", "digest"]).output
