package parser

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// node is one element of a parsed XML document with the line it started on.
//
// dmforge reads XML through encoding/xml into this small tree instead of
// etree's: every model item must remember its file and line (for lint,
// diff and error messages), and etree does not record source positions.
// Re-parsing to recover them would double the cost of every resolve.
type node struct {
	Space    string // namespace URL, or the bare prefix when undeclared
	Tag      string // local name
	Attr     []xml.Attr
	Children []*node
	Text     string // character data directly inside, concatenated
	Line     int
	Col      int
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Name.Local == name && (a.Name.Space == "" || isReportNS(a.Name.Space)) {
			return a.Value, true
		}
	}
	return "", false
}

// get returns an attribute's value, or "".
func (n *node) get(name string) string {
	v, _ := n.attr(name)
	return v
}

func isReportNS(space string) bool {
	return space == "dmr" || strings.HasPrefix(space, "urn:broadband-forum-org:cwmp:datamodel-report")
}

// readLimits bound what a document may cost to read.
const (
	maxDocBytes = 64 << 20
	maxDepth    = 256
	maxEntities = 256
)

var (
	doctypeRe = regexp.MustCompile(`(?s)<!DOCTYPE\s+[^\[>]*(\[(.*?)\])?\s*>`)
	entityRe  = regexp.MustCompile(`(?s)<!ENTITY\s+(%?)\s*([A-Za-z_][\w.-]*)\s+(SYSTEM|PUBLIC)?\s*("[^"]*"|'[^']*')`)
)

// internalEntities returns the general entities declared in the internal
// DTD subset (tr-106-types.xml uses them in patterns). External and
// parameter entities are refused: they are a way to read files or the
// network, and no BBF document needs them.
func internalEntities(data []byte) (map[string]string, error) {
	if !bytes.Contains(data, []byte("<!DOCTYPE")) {
		return nil, nil
	}
	m := doctypeRe.FindSubmatch(data)
	if m == nil {
		return nil, errors.New("malformed <!DOCTYPE> declaration")
	}
	ents := map[string]string{}
	for _, e := range entityRe.FindAllSubmatch(m[2], -1) {
		if len(e[1]) > 0 {
			return nil, fmt.Errorf("parameter entity %%%s is not supported", e[2])
		}
		if len(e[3]) > 0 {
			return nil, fmt.Errorf("external entity %s is not allowed", e[2])
		}
		if len(ents) >= maxEntities {
			return nil, fmt.Errorf("more than %d entity declarations", maxEntities)
		}
		v := string(e[4][1 : len(e[4])-1])
		if strings.ContainsAny(v, "&<") {
			// Nested references could expand exponentially ("billion laughs").
			return nil, fmt.Errorf("entity %s refers to other entities or markup, which is not supported", e[2])
		}
		ents[string(e[2])] = v
	}
	return ents, nil
}

// parseXML reads a whole document into a node tree.
func parseXML(name string, data []byte) (*node, error) {
	if len(data) > maxDocBytes {
		return nil, fmt.Errorf("%s: document is %d bytes, over the %d byte limit", name, len(data), maxDocBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	ents, err := internalEntities(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if n := entityExpansion(data, ents); n > maxEntityExpansion {
		return nil, fmt.Errorf("%s: entity expansion limit: the entity references expand to %d bytes, over the limit of %d", name, n, maxEntityExpansion)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Entity = ents
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "us-ascii", "ascii", "iso-8859-1", "latin1":
			return r, nil // BBF files are ASCII in practice
		}
		return nil, fmt.Errorf("unsupported encoding %q", charset)
	}
	var root *node
	var stack []*node
	var text [][]byte
	for {
		line, col := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			l, _ := dec.InputPos()
			msg := err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg, l = se.Msg, se.Line
			}
			return nil, &PosError{File: name, Line: l, Msg: "malformed XML: " + msg}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, &PosError{File: name, Line: line, Msg: fmt.Sprintf("elements nested deeper than %d", maxDepth)}
			}
			n := &node{Space: t.Name.Space, Tag: t.Name.Local, Attr: t.Attr, Line: line, Col: col}
			if len(stack) == 0 {
				if root != nil {
					return nil, &PosError{File: name, Line: line, Msg: "malformed XML: more than one root element"}
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
			text = append(text, nil)
		case xml.EndElement:
			n := stack[len(stack)-1]
			if t := text[len(text)-1]; len(bytes.TrimSpace(t)) > 0 {
				n.Text = string(t)
			}
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1] = append(text[len(text)-1], t...)
			}
		case xml.Directive:
			// DOCTYPE already handled by internalEntities.
		}
	}
	if root == nil {
		return nil, &PosError{File: name, Line: 1, Msg: "malformed XML: no root element"}
	}
	return root, nil
}

// PosError is an error at a place in a file.
type PosError struct {
	File string
	Line int
	Col  int
	Rule string // rule id for item-level errors (see Loader.Tolerant)
	Msg  string
}

func (e *PosError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
