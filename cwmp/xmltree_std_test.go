package cwmp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// buildTreeStd is the first tree builder of this package, on
// encoding/xml's tokenizer. The scanner replaced it for speed; it stays
// here as the reference the scanner is differentially fuzzed against.
func buildTreeStd(data []byte, maxDepth, maxElements int) (*xtree, error) {
	t := &xtree{nodes: make([]xnode, 0, 16+len(data)/64)}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	var (
		stack  []openElem
		nsList []nsBinding
		wsSeen = map[string]string{}
		rooted bool
		// text collects the character data of the innermost open element
		// until it gets a child: only that element's text is kept, so one
		// buffer serves and text in many pieces costs linear time.
		text []byte
	)
	line := func() int32 {
		l, _ := d.InputPos()
		return int32(l)
	}
	lookup := func(prefix string) (string, bool) {
		for i := len(nsList) - 1; i >= 0; i-- {
			if nsList[i].prefix == prefix {
				return nsList[i].uri, true
			}
		}
		return "", false
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &SyntaxError{Line: se.Line, Msg: se.Msg}
			}
			return nil, &SyntaxError{Line: int(line()), Msg: err.Error()}
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if rooted && len(stack) == 0 {
				// Anything after the root element is ignored: some CPEs
				// pad their POST bodies with NULs or junk.
				return t, nil
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: more than %d levels at line %d", ErrTooDeep, maxDepth, line())
			}
			if len(t.nodes) >= maxElements {
				return nil, fmt.Errorf("%w: more than %d at line %d", ErrTooManyElements, maxElements, line())
			}
			rooted = true
			text = text[:0]
			mark := len(nsList)
			for _, a := range tk.Attr {
				switch {
				case a.Name.Space == "xmlns":
					nsList = append(nsList, nsBinding{a.Name.Local, a.Value})
					if t.cwmpNS == "" && IsCWMPNamespace(a.Value) {
						t.cwmpNS = a.Value
					}
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					nsList = append(nsList, nsBinding{"", a.Value})
					if t.cwmpNS == "" && IsCWMPNamespace(a.Value) {
						t.cwmpNS = a.Value
					}
				}
			}
			if len(nsList) > maxNamespaceBindings {
				// Lookups walk the bindings in scope; real documents have
				// a handful.
				return nil, fmt.Errorf("%w: more than %d namespace declarations in scope at line %d", ErrTooManyElements, maxNamespaceBindings, line())
			}
			n := xnode{local: tk.Name.Local, first: -1, next: -1, last: -1, line: line()}
			if uri, ok := lookup(tk.Name.Space); ok {
				n.space = uri
			} else {
				n.space = tk.Name.Space // undeclared prefix: keep it
			}
			for _, a := range tk.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				switch a.Name.Local {
				case "type":
					if a.Name.Space == "" {
						continue
					}
					if uri, ok := lookup(a.Name.Space); (ok && uri == NamespaceXSI) || (!ok && a.Name.Space == "xsi") {
						n.xsiType = resolveQNameValue(a.Value, lookup)
					}
				case "arrayType":
					n.arrayType = a.Value
				case "mustUnderstand":
					v := strings.TrimSpace(a.Value)
					n.mustUnderstand = v == "1" || strings.EqualFold(v, "true")
				}
			}
			idx := int32(len(t.nodes))
			if len(stack) > 0 {
				parent := &t.nodes[stack[len(stack)-1].node]
				if parent.last < 0 {
					parent.first = idx
				} else {
					t.nodes[parent.last].next = idx
				}
				parent.last = idx
				parent.hasChild = true
			}
			t.nodes = append(t.nodes, n)
			stack = append(stack, openElem{node: idx, rawSpace: tk.Name.Space, rawLocal: tk.Name.Local, nsMark: mark})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, &SyntaxError{Line: int(line()), Msg: "unexpected end element </" + rawName(tk.Name) + ">"}
			}
			top := stack[len(stack)-1]
			if top.rawSpace != tk.Name.Space || top.rawLocal != tk.Name.Local {
				return nil, &SyntaxError{Line: int(line()), Msg: "element <" + rawName(xml.Name{Space: top.rawSpace, Local: top.rawLocal}) + "> closed by </" + rawName(tk.Name) + ">"}
			}
			if n := &t.nodes[top.node]; !n.hasChild && len(text) > 0 {
				n.text = internText(text, wsSeen)
			}
			text = text[:0]
			nsList = nsList[:top.nsMark]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return t, nil
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			if t.nodes[stack[len(stack)-1].node].hasChild {
				continue
			}
			text = append(text, tk...)
		case xml.Directive:
			return nil, fmt.Errorf("%w (line %d)", ErrDTD, line())
		}
	}
	if len(stack) > 0 {
		return nil, &SyntaxError{Line: int(line()), Msg: "unexpected end of document inside <" + stack[len(stack)-1].rawLocal + ">"}
	}
	if !rooted {
		return nil, &SyntaxError{Line: int(line()), Msg: "no root element"}
	}
	return t, nil
}

// diffTrees describes the first difference between two trees, ignoring
// line numbers (the two builders report slightly different positions).
func diffTrees(a, b *xtree) string {
	if len(a.nodes) != len(b.nodes) {
		return fmt.Sprintf("%d nodes vs %d", len(a.nodes), len(b.nodes))
	}
	if a.cwmpNS != b.cwmpNS {
		return fmt.Sprintf("cwmpNS %q vs %q", a.cwmpNS, b.cwmpNS)
	}
	for i := range a.nodes {
		x, y := a.nodes[i], b.nodes[i]
		x.line, y.line = 0, 0
		if x != y {
			return fmt.Sprintf("node %d: %+v vs %+v", i, x, y)
		}
	}
	return ""
}

// FuzzScannerMatchesEncodingXML checks the scanner against the
// encoding/xml-based builder: where both accept a document they must build
// the same tree. (Where they disagree on acceptance, the scanner is the
// stricter or the more tolerant by design; the corpus tests pin those
// cases.)
func FuzzScannerMatchesEncodingXML(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = trimLeadingSpace(data)
		if len(data) == 0 {
			return
		}
		a, errA := buildTree(data, 64, 1<<14)
		b, errB := buildTreeStd(data, 64, 1<<14)
		if errA != nil || errB != nil {
			return
		}
		if d := diffTrees(a, b); d != "" {
			t.Fatalf("trees differ: %s", d)
		}
	})
}

func TestScannerMatchesEncodingXMLOnCorpus(t *testing.T) {
	for name, data := range corpusFiles(t) {
		data = trimLeadingSpace(data)
		if len(data) == 0 {
			continue
		}
		a, errA := buildTree(data, 64, 1<<14)
		b, errB := buildTreeStd(data, 64, 1<<14)
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: scanner err %v, encoding/xml err %v", name, errA, errB)
			continue
		}
		if errA == nil {
			if d := diffTrees(a, b); d != "" {
				t.Errorf("%s: %s", name, d)
			}
		}
	}
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// charsetReader accepts the encodings CPE firmwares declare besides UTF-8.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
		raw, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(raw)+len(raw)/8)
		for _, c := range raw {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("cwmp: unsupported character encoding %q", label)
}

// internText returns b as a string, sharing one copy of each distinct
// whitespace-only run: pretty-printed documents repeat the same indentation
// thousands of times.
func internText(b []byte, seen map[string]string) string {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return string(b)
		}
	}
	if s, ok := seen[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(seen) < 64 {
		seen[s] = s
	}
	return s
}
