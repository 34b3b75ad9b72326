package markup

import (
	"strings"
	"testing"
)

// TestMarkdownLintClean renders description shapes the BBF files have
// that made the Markdown report fail markdownlint (see gen's
// TestReportMarkdown, which lints whole reports).
func TestMarkdownLintClean(t *testing.T) {
	for _, c := range []struct{ name, desc, want string }{
		// MD037: CommonMark reads "* W*" as a literal "*"; the space
		// goes outside the markers and the emphasis stays.
		{"emphasis starting with a space", "at 50d00'00'' W is -50.'' Next.", "at 50d00'00 *W is -50.* Next.\n"},
		{"emphasis ending with a space", "between ''x * k '' and y", "between *x \\* k* and y\n"},
		{"bold with spaces", "a ''' b ''' c", "a **b** c\n"},
		// MD036: a paragraph that is only emphasis is not a heading.
		{"paragraph only emphasis", "Values:\n\n''0/35, 8/35''", "Values:\n\n<em>0/35, 8/35</em>\n"},
		{"paragraph only bold", "'''Note'''", "<strong>Note</strong>\n"},
		// MD004/MD012: "'' ''" alone rendered as "* *", a "*" list item.
		{"emphasis of a space", "a\n: b\n:: '' ''\n: c", "a\n\nb\n\nc\n"},
		// MD034: GitHub links a bare address.
		{"address", `from "ACS1@tr069.example.com/r1"`, `from "ACS1\@tr069.example.com/r1"` + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Parse(c.desc)
			if got := d.Markdown(nil); got != c.want {
				t.Errorf("Markdown of %q:\n got %q\nwant %q", c.desc, got, c.want)
			}
			// HTML keeps the emphasis as the BBF wrote it.
			if strings.Contains(c.desc, "''") && !strings.Contains(d.HTML(nil), "<em>") && !strings.Contains(d.HTML(nil), "<strong>") {
				t.Errorf("HTML of %q has no emphasis: %s", c.desc, d.HTML(nil))
			}
		})
	}
}
