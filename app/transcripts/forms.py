from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

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
            "One paragraph or subtitle per segment. A line may start with the "
            'speaker, e.g. "Interviewer:".'
        ),
    )


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""
