"""The recommended speech models, as data: what `redthread models` lists and installs.

Every entry pins a commit of its repository on the model hub. ``files`` lists each file with
its size and SHA-256 (the hub's Git LFS object id is the file's SHA-256); an entry whose
``files`` is None has no checksums we could confirm, and `redthread models install` refuses
it: such a model is brought in with ``--from``, which records the checksums of what was
carried in. Never fill in a checksum that was not read from the hub.

Sources of the values: the Systran commits and checksums as other projects pin them
(``ebe41f70...`` for base, ``536b0662...`` for small; the model.bin checksums agree across
independent pins); the KB-Whisper commits as another project pins them (for tiny and base,
the "Add interspeech citation" heads the hub shows); FLEURS word error rates from
KB-Whisper's model card (large is compared with OpenAI's large-v3).
"""

#: files shared by OpenAI's multilingual Whisper models converted by Systran
_OPENAI_TOKENIZER = (
    "tokenizer.json",
    2_203_239,
    "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
)
_OPENAI_VOCABULARY = (
    "vocabulary.txt",
    459_861,
    "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
)

_KB_LICENCE = "Apache-2.0"


def _kb(size: str, revision: str, approx_bytes: int, speed: str, wer: tuple) -> dict:
    return {
        "name": f"kb-whisper-{size}",
        "repo": f"KBLab/kb-whisper-{size}",
        "revision": revision,
        "languages": ["sv"],
        "bytes": approx_bytes,
        "speed": speed,
        "licence": _KB_LICENCE,
        "note": f"National Library of Sweden, 50,000 hours of Swedish; FLEURS word errors "
        f"{wer[0]} % (OpenAI's {size}: {wer[1]} %)",
        "files": None,  # no confirmed checksums for the CTranslate2 files: install --from
    }


CATALOGUE: list[dict] = [
    # Swedish: the model.bin sizes are the hub's (tiny, base) or OpenAI's of the same size.
    _kb("tiny", "76d796af43a50fa34321efa562c9b9887a187463", 75_500_000, "fastest", (13.2, 59.2)),
    _kb("base", "1499d2d2f0c7ed545bd6f2eec85287cf8d8c8b38", 145_000_000, "fast", (9.1, 39.6)),
    _kb("small", "3564d61a42fc210ceaa55a22a96dd64478959c78", 484_000_000, "medium", (7.3, 20.6)),
    _kb("medium", "0abe10b9d7f75d0902656e5c06c5c4d549604dc5", 1_530_000_000, "slow", (6.6, 12.1)),
    _kb("large", "d5d5984b4d8f7c4847a8ea203f1976285fb28300", 3_090_000_000, "slowest", (5.4, 7.8)),
    # Danish: fine-tunes of large-v3 on the CoRal corpus; none is published with a pinned
    # commit and checksums we could confirm.
    {
        "name": "hviske-v3-conversation",
        "repo": "syvai/faster-hviske-v3-conversation",
        "revision": None,
        "languages": ["da"],
        "bytes": 3_090_000_000,
        "speed": "slowest",
        "licence": (
            "OpenRAIL, like the hviske-v2 model it continues: free to use, but with "
            "use-based restrictions that bind you; hviske v5 and later are CC-BY-NC-4.0 "
            "(non-commercial). Read the model card before you install it."
        ),
        "note": "syv.ai's Danish fine-tune of Whisper large-v3 (CoRal, Common Voice), "
        "converted to CTranslate2.",
        "files": None,
    },
    # English, and the multilingual fallback for a language without a model of its own.
    {
        "name": "whisper-base",
        "repo": "Systran/faster-whisper-base",
        "revision": "ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66",
        "languages": ["en"],
        "bytes": 147_882_941,
        "speed": "fast",
        "licence": "MIT",
        "note": "OpenAI's multilingual base model; English, or a fallback for Swedish and "
        "Danish with several times more errors than a fine-tuned model.",
        "files": [
            (
                "model.bin",
                145_217_532,
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            ),
            (
                "config.json",
                2_309,
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            ),
            _OPENAI_TOKENIZER,
            _OPENAI_VOCABULARY,
        ],
    },
    {
        "name": "whisper-small",
        "repo": "Systran/faster-whisper-small",
        "revision": "536b0662742c02347bc0e980a01041f333bce120",
        "languages": ["en"],
        "bytes": 486_212_372,
        "speed": "medium",
        "licence": "MIT",
        "note": "OpenAI's multilingual small model; English, or a fallback for Swedish and Danish.",
        "files": [
            (
                "model.bin",
                483_546_902,
                "3e305921506d8872816023e4c273e75d2419fb89b24da97b4fe7bce14170d671",
            ),
            (
                "config.json",
                2_370,
                "b55496ac7940a7ae47d2c01eab40edfd8701feec1229d9cce3b40014383fb828",
            ),
            _OPENAI_TOKENIZER,
            _OPENAI_VOCABULARY,
        ],
    },
]
