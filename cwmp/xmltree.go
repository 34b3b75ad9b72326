package cwmp

import (
	"errors"
	"fmt"
	"strings"
)

// xtree is a compact element tree of one document, built by the scanner
// (scan.go) with this package's own namespace resolution, so that
// undeclared prefixes (common in CPE firmware) resolve to themselves
// instead of failing. Only what the CWMP decoder reads is kept: names,
// text, xsi:type, mustUnderstand, line numbers.
type xtree struct {
	nodes []xnode
	// cwmpNS is the first cwmp namespace declared anywhere, the fallback
	// for detecting the peer's namespace when no element is in one.
	cwmpNS string
	// tolerant and issues: see Decoder.Tolerant and Envelope.Issues.
	tolerant bool
	issues   []DecodeIssue
}

type xnode struct {
	space, local   string
	text           string // character data of an element without child elements
	xsiType        string // xsi:type, normalised: "xsd:int", "cwmp:InstallOpStruct"
	arrayType      string // SOAP-ENC:arrayType as written ("cwmp:ParameterValueStruct[3]")
	mustUnderstand bool
	hasChild       bool
	first, next    int32 // first child, next sibling; -1 for none
	last           int32 // last child while building
	line           int32
}

type nsBinding struct{ prefix, uri string }

// openElem is an element whose end tag is awaited. rawSpace and rawLocal
// are its name as written, for matching the end tag (the scanner keeps
// the whole QName in rawLocal).
type openElem struct {
	node     int32
	rawSpace string
	rawLocal string
	nsMark   int // length of the namespace stack before this element
}

// knownXSDTypes are recognised as XML Schema types in an xsi:type whose
// prefix is undeclared or missing.
var knownXSDTypes = map[string]bool{
	"string": true, "int": true, "unsignedInt": true, "long": true, "unsignedLong": true,
	"boolean": true, "dateTime": true, "base64Binary": true, "hexBinary": true, "decimal": true,
	"base64": true, "anySimpleType": true, "anyURI": true, "short": true, "byte": true,
	"unsignedShort": true, "unsignedByte": true, "integer": true, "float": true, "double": true,
}

// maxNamespaceBindings bounds the namespace declarations in scope at once.
const maxNamespaceBindings = 256

// ErrDTD is returned for a document with a DOCTYPE or other markup
// declaration: CWMP never uses them and they are the vehicle of entity
// expansion attacks.
var ErrDTD = errors.New("cwmp: DTDs and entity declarations are not accepted")

// Limit errors; the decoder wraps them with the limit and position.
var (
	ErrTooLarge        = errors.New("cwmp: document too large")
	ErrTooDeep         = errors.New("cwmp: elements nested too deeply")
	ErrTooManyElements = errors.New("cwmp: too many elements")
)

// SyntaxError is a malformed document, with the line where it was found.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("cwmp: XML syntax error on line %d: %s", e.Line, e.Msg)
}

// xsdTypeNames maps an XML Schema type's local name to "xsd:<local>",
// precomputed so the decoder does not build the string per value.
var xsdTypeNames = func() map[string]string {
	m := make(map[string]string, len(knownXSDTypes))
	for k := range knownXSDTypes {
		m[k] = "xsd:" + k
	}
	return m
}()

func xsdName(local string) string {
	if s, ok := xsdTypeNames[local]; ok {
		return s
	}
	return "xsd:" + local
}

// resolveQNameValue normalises a QName-valued attribute (xsi:type): XML
// Schema types become "xsd:<local>", cwmp types "cwmp:<local>", anything
// else stays as written.
func resolveQNameValue(v string, lookup func(string) (string, bool)) string {
	v = strings.TrimSpace(v)
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		if knownXSDTypes[v] {
			return xsdTypeNames[v]
		}
		return v
	}
	uri, declared := lookup(prefix)
	switch {
	case declared && uri == NamespaceXSD:
		return xsdName(local)
	case declared && IsCWMPNamespace(uri):
		return "cwmp:" + local
	case !declared && (prefix == "xsd" || prefix == "xs") && knownXSDTypes[local]:
		return xsdTypeNames[local]
	case !declared && prefix == "cwmp":
		return "cwmp:" + local
	}
	return v
}

// Tree accessors.

func (t *xtree) child(n int32, local string) int32 {
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].local == local {
			return c
		}
	}
	return -1
}

func (t *xtree) firstChild(n int32) int32 { return t.nodes[n].first }
