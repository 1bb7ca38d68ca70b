"""Text bound for documents (DOCX, REFI-QDA XML)."""


def clean(text: str) -> str:
    """Text without the control characters that XML (DOCX, REFI-QDA) cannot carry."""
    return "".join(
        ch for ch in text if ch in "\n\t" or (ord(ch) >= 32 and ch not in "\ufffe\uffff")
    )
