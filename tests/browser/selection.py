"""Selecting text in a browser test as a mouse drag would: a DOM range over a word."""

_SELECT = """(word) => {
    const box = document.querySelector('[data-text]');
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const at = node.data.indexOf(word);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, at + word.length);
            const sel = document.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            return;
        }
    }
}"""


def select_word(page, word: str) -> None:
    """Select the first ``word`` in the coding workspace's text."""
    page.evaluate(_SELECT, word)
