"""What the browser tests' DOM checks share (reports/html/browser_test.sh,
reports/browser/browser_test.sh, through headless_chromium.sh): a DOM that
Chromium dumped, parsed into its elements and the text inside each id'd
element, and expectations collected, then reported together."""
import sys
from html.parser import HTMLParser

# Elements without an end tag: they open no scope for the text that follows.
VOID_ELEMENTS = ("br", "img", "input", "meta", "link", "hr", "col", "source")


class Dom(HTMLParser):
    """The elements with their attributes, and the text inside each id'd element."""
    def __init__(self):
        super().__init__()
        self.elements = []  # (tag, attrs)
        self.stack = []     # open elements' ids
        self.text = {}      # id -> text
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag not in VOID_ELEMENTS:
            self.stack.append(a.get("id"))
    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
    def handle_data(self, data):
        for i in self.stack:
            if i:
                self.text[i] = self.text.get(i, "") + data


def parse(path):
    dom = Dom()
    dom.feed(open(path, encoding="utf-8").read())
    return dom


failures = []


def expect(ok, what):
    if not ok:
        failures.append(what)


def finish(test):
    """Prints each failed expectation and exits 1 if there is one."""
    for f in failures:
        print("%s: FAIL:" % test, f)
    if failures:
        sys.exit(1)
    print("%s: DOM checks passed" % test)
