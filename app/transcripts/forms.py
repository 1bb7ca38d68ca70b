from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from pydantic import BaseModel, StrictInt
from wtforms import BooleanField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired

from app.core.forms import ConfirmForm, QueryForm
from app.transcripts.audio import FILE_TYPES


class AudioForm(FlaskForm):
    audio = FileField(
        _l("Audio file"),
        validators=[
            FileRequired(_l("Choose the recording to upload.")),
            FileAllowed(
                FILE_TYPES, _l("Upload a .wav, .mp3, .m4a, .ogg, .opus, .flac or .webm audio file.")
            ),
        ],
        description=_l(
            "The recording is encrypted as it is stored. It is destroyed a set "
            "number of days after the transcript is verified."
        ),
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Transcript file"),
        validators=[
            FileRequired(_l("Choose the transcript file.")),
            FileAllowed(
                ["txt", "docx", "vtt", "srt"], _l("Import a .txt, .docx, .vtt or .srt file.")
            ),
        ],
        description=_l(
            "One paragraph or subtitle per segment. A line may start with the speaker and a "
            'colon: "Interviewer:", "Intervjuare:", "I:" or "Interviewer (I):" for the '
            'interviewer; "Young person:", "Ung person:", "Ungt menneske:", "Den unge:" or '
            '"IP:" for the young person; "Other:". Upper or lower case.'
        ),
    )


# The bare button form is core's; the areas that import it from here still find it.
ActionForm = ConfirmForm


class SegmentsBody(BaseModel):
    """The editor's save (JSON): the revision it loaded, and its segments, whose rows the
    service checks one by one (it names the segment that is wrong)."""

    revision: StrictInt
    segments: list | None = None


class VerifyForm(FlaskForm):
    """Verifying cannot be undone: the server asks for the interviewer's word first."""

    confirm = BooleanField(
        _l("I have checked the whole transcript against the recording. Verify it."),
        validators=[DataRequired(_l("Tick the box to confirm that the transcript is to be "
                                    "verified."))],
    )  # fmt: skip
    #: sent by the confirmation page: without it, the request is the first look
    asked = HiddenField()


class AudioQuery(QueryForm):
    """``?download=1``: the recording as a file to keep, not for the player."""

    download = SelectField(choices=["0", "1"], default="0")


def speakers_form(keys: list[str], labels: dict[str, str], **kwargs) -> FlaskForm:
    """One choice of role per speaker the diarizer numbered ("speaker_1", ...)."""
    from app.transcripts.models import SPEAKER_LABELS

    class SpeakersForm(FlaskForm):
        revision = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])

        def roles(self) -> dict[str, str]:
            return {key: self[key].data for key in keys}

    choices = [("", "–")] + [(speaker.value, label) for speaker, label in SPEAKER_LABELS.items()]
    for key in keys:
        setattr(SpeakersForm, key, SelectField(
            labels[key], choices=choices,
            validators=[InputRequired(_l("Choose a role for each speaker."))],
        ))  # fmt: skip
    return SpeakersForm(**kwargs)


class GuideLinkForm(FlaskForm):
    """The guide question one segment answers; empty: none. The choices are the questions of
    the interview's guide version, set by the view."""

    question = SelectField(_l("Question of the guide"))
    #: a question segment's change goes on to the answers after it that had its old question
    carry = BooleanField(
        _l("Also change the segments after it that had the old question, up to the next question"),
        default=True,
    )
