"""A confirmed guide question stays with its segment when the transcript is edited."""

from app.core.db import db
from app.transcripts import editing, guide_links, versions

SRT = (
    b"1\n00:00:00,500 --> 00:00:03,000\n"
    b"Interviewer: To start with, can you tell me a bit about your life right now?\n\n"
    b"2\n00:00:03,200 --> 00:00:08,000\nYoung person: I have my own flat now.\n\n"
    b"3\n00:00:08,100 --> 00:00:10,000\n"
    b"Interviewer: What does a normal week look like for you?\n\n"
    b"4\n00:00:10,100 --> 00:00:12,000\nYoung person: Work, and football on Sundays.\n"
)


def test_links_follow_their_segments_through_an_edit(conducted):
    interviewer, interview = conducted
    transcript = versions.import_transcript(interviewer, interview, SRT, "interview.srt")
    assert guide_links.confirm_all(interviewer, transcript) == 4
    guide_links.set_link(interviewer, transcript, 1, None)
    db.session.commit()
    rows = [{"text": s.text, "start": s.start_ms / 1000, "end": s.end_ms / 1000,
             "speaker": s.speaker} for s in transcript.segments]  # fmt: skip
    rows[0]["text"] = "To start with, could you tell me a bit about your life right now?"
    merged = {**rows[2], "text": rows[2]["text"] + " " + rows[3]["text"], "end": rows[3]["end"]}
    editing.save_segments(interviewer, transcript, [rows[0], rows[1], merged],
                          transcript.revision)  # fmt: skip
    db.session.commit()
    stored = [(s.guide_question, s.guide_confirmed_at is not None) for s in transcript.segments]
    # the corrected one keeps its question, the cleared one stays cleared, the merge is new
    assert stored == [("life_now_overview", True), (None, True), (None, False)]
    shown = [(r.question_key, r.confirmed) for r in guide_links.rows(transcript)]
    assert shown[2] == ("typical_week", False)  # suggested again, for the interviewer to confirm
