package markup

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// Hand-written descriptions in the BBF's styles (no BBF text).

func TestParseWrappedParagraphsAndLists(t *testing.T) {
	desc := "The widget's {{param|Level}} as\nwritten by {{bibref|RFC0000|Section 2}}.\n\n" +
		"* first item that\n  continues here\n\n* second item\n** nested {{enum|Up}}\n\n" +
		"# one\n# two\n\nAfter:\n\n    verbatim {{param|X}} line\n      deeper"
	d := Parse(desc)
	if d.Legacy {
		t.Fatal("short wrapped lines read as legacy style")
	}
	if len(d.Problems) != 0 {
		t.Fatalf("problems: %v", d.Problems)
	}
	kinds := []BlockKind{}
	for _, b := range d.Blocks {
		kinds = append(kinds, b.Kind)
	}
	want := []BlockKind{Paragraph, List, List, Paragraph, Verbatim}
	if len(kinds) != len(want) {
		t.Fatalf("blocks %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("blocks %v, want %v", kinds, want)
		}
	}
	bul := d.Blocks[1]
	if bul.ListKind != Bulleted || len(bul.Items) != 2 {
		t.Fatalf("bulleted list: %+v", bul)
	}
	if got := InlineText(bul.Items[0].Blocks[0].Inlines, nil); got != "first item that continues here" {
		t.Errorf("first item text %q", got)
	}
	nested := bul.Items[1].Blocks[1]
	if nested.Kind != List || nested.Items[0].Marker != "**" {
		t.Errorf("nested list: %+v", nested)
	}
	if d.Blocks[2].ListKind != Numbered || len(d.Blocks[2].Items) != 2 {
		t.Errorf("numbered list: %+v", d.Blocks[2])
	}
	var names []string
	for _, tp := range d.Templates() {
		names = append(names, tp.Text+"@"+tp.Pos.String())
	}
	if got := strings.Join(names, " "); got != "param@1:14 bibref@2:12 enum@8:11 param@15:14" {
		t.Errorf("templates %s", got)
	}
	txt := d.Text(nil)
	for _, s := range []string{"The widget's `Level`", "[RFC0000] Section 2", "    verbatim X line\n      deeper"} {
		if !strings.Contains(strings.ReplaceAll(txt, "`", "`"), strings.ReplaceAll(s, "`", "")) {
			t.Errorf("text lacks %q:\n%s", s, txt)
		}
	}
}

func TestParseLegacyStyle(t *testing.T) {
	long := strings.Repeat("word ", 20)
	d := Parse(long + "\nSecond paragraph.\n continued, indented\n*Item without space")
	if !d.Legacy {
		t.Fatal("long lines not read as legacy style")
	}
	if len(d.Blocks) != 3 || d.Blocks[0].Kind != Paragraph || d.Blocks[1].Kind != Paragraph || d.Blocks[2].Kind != List {
		t.Fatalf("blocks: %d %+v", len(d.Blocks), d.Blocks)
	}
	// The indented line continues the paragraph before it and is reported.
	if len(d.Problems) != 1 || d.Problems[0].Kind != ProblemIndent || d.Problems[0].Pos.Line != 3 {
		t.Errorf("problems %v", d.Problems)
	}
}

func TestTemplatesNestedAndBroken(t *testing.T) {
	d := Parse("{{deprecated|2.11|because {{param|#.Other}} replaces it}} and {{unclosed|x and }} stray")
	ts := d.Templates()
	if len(ts) != 3 || ts[0].Text != "deprecated" || ts[1].Text != "param" || ts[2].Text != "unclosed" {
		t.Fatalf("templates %+v", ts)
	}
	if ts[0].Arg(0) != "2.11" || ts[1].Arg(0) != "#.Other" {
		t.Errorf("args %q %q", ts[0].ArgText, ts[1].ArgText)
	}
	var kinds []string
	for _, p := range d.Problems {
		kinds = append(kinds, p.Kind)
	}
	// "{{unclosed|x and }}" is a template all the same (of a name no
	// renderer knows).
	if len(kinds) != 0 {
		t.Errorf("problems %v", d.Problems)
	}
	d = Parse("a {{param|X b }} c }} d {{ e")
	kinds = nil
	for _, p := range d.Problems {
		kinds = append(kinds, p.Kind+"@"+p.Pos.String())
	}
	if got := strings.Join(kinds, " "); got != "unmatched-close@1:20 unclosed-template@1:25" {
		t.Errorf("problems %s", got)
	}
	if got := d.Text(nil); got != "a X b c }} d {{ e" {
		t.Errorf("text %q", got)
	}
}

func TestEmphasisAndLinks(t *testing.T) {
	d := Parse("An ''italic'' and '''bold''' and '''''both''''' see https://example.com/x_(y). Done.")
	h := d.HTML(nil)
	for _, s := range []string{"<em>italic</em>", "<strong>bold</strong>", "<strong><em>both</em></strong>", `<a href="https://example.com/x_(y)">https://example.com/x_(y)</a>.`} {
		if !strings.Contains(h, s) {
			t.Errorf("HTML lacks %s:\n%s", s, h)
		}
	}
	md := d.Markdown(nil)
	for _, s := range []string{"*italic*", "**bold**", "***both***", "<https://example.com/x_(y)>."} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %s:\n%s", s, md)
		}
	}
}

func TestExpanderLinks(t *testing.T) {
	d := Parse("See {{param|Enable}} and {{object|#.Stats.}}, value {{enum|Up}}.")
	x := func(tp *Inline) (Expansion, bool) {
		switch tp.Text {
		case "param", "object":
			p := ResolvePath("Device.Foo.{i}.", tp.Arg(0))
			return Expansion{Text: tp.Arg(0), Code: true, Href: "#" + p}, true
		}
		return Expansion{}, false
	}
	h := d.HTML(x)
	for _, s := range []string{`<a href="#Device.Foo.{i}.Enable"><code>Enable</code></a>`, `<a href="#Device.Stats."><code>#.Stats.</code></a>`, `<code>Up</code>`} {
		if !strings.Contains(h, s) {
			t.Errorf("HTML lacks %s:\n%s", s, h)
		}
	}
	md := d.Markdown(x)
	if !strings.Contains(md, "[`Enable`](#Device.Foo.{i}.Enable)") {
		t.Errorf("Markdown: %s", md)
	}
}

func TestResolvePath(t *testing.T) {
	for _, c := range []struct{ obj, ref, want string }{
		{"Device.IP.Interface.{i}.", "Enable", "Device.IP.Interface.{i}.Enable"},
		{"Device.IP.Interface.{i}.", "#.LowerLayers", "Device.IP.LowerLayers"},
		{"Device.IP.Interface.{i}.", "##.DeviceInfo.", "Device.DeviceInfo."},
		{"Device.IP.Interface.{i}.", "#", "Device.IP."},
		{"Device.IP.Interface.{i}.", ".Ethernet.Link.", "Device.Ethernet.Link."},
		{"Device.IP.Interface.{i}.", "Device.Ethernet.Link.{i}.", "Device.Ethernet.Link.{i}."},
		{"Device.IP.Interface.{i}.", "Stats.BytesSent", "Device.IP.Interface.{i}.Stats.BytesSent"},
	} {
		if got := ResolvePath(c.obj, c.ref); got != c.want {
			t.Errorf("ResolvePath(%q, %q) = %q, want %q", c.obj, c.ref, got, c.want)
		}
	}
}

// wellFormed checks that an HTML fragment is well-formed XML (the renderer
// writes no void elements and escapes every text).
func wellFormed(t testing.TB, h string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader("<div>" + h + "</div>"))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("HTML not well-formed: %v\n%s", err, h)
		}
	}
}

func TestHTMLWellFormed(t *testing.T) {
	for _, s := range []string{
		"* a\n# b\n: c\n** d\n#* e",
		"'''bold ''both''' italic''",
		"x <y> & \"z\" {{param|<b>}}",
		"\n\n    code\n\n    more\n* item\n\n      item code\n",
	} {
		wellFormed(t, Parse(s).HTML(nil))
	}
}
