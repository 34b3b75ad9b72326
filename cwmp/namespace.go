package cwmp

import "strings"

// Namespace is a cwmp XML namespace URI. A peer's namespace is detected from
// what it sends and replies use the same one.
type Namespace string

// The cwmp namespaces. CWMP 1.0 and 1.1 have their own; CWMP 1.2, 1.3 and
// 1.4 all use Namespace12 (cwmp-1-3.xsd and cwmp-1-4.xsd extend it).
// Namespace13 and Namespace14 are not defined by the BBF but some firmwares
// send them; they carry the 1-2 schema and are echoed back as received.
const (
	Namespace10 Namespace = "urn:dslforum-org:cwmp-1-0"
	Namespace11 Namespace = "urn:dslforum-org:cwmp-1-1"
	Namespace12 Namespace = "urn:dslforum-org:cwmp-1-2"
	Namespace13 Namespace = "urn:dslforum-org:cwmp-1-3"
	Namespace14 Namespace = "urn:dslforum-org:cwmp-1-4"

	// DefaultNamespace is used to encode an Envelope whose Namespace is
	// empty: the current schema namespace, which every message exists in.
	DefaultNamespace = Namespace12
)

// Namespaces of the SOAP 1.1 envelope and encoding, and of XML Schema.
const (
	NamespaceSOAPEnvelope = "http://schemas.xmlsoap.org/soap/envelope/"
	NamespaceSOAPEncoding = "http://schemas.xmlsoap.org/soap/encoding/"
	NamespaceXSD          = "http://www.w3.org/2001/XMLSchema"
	NamespaceXSI          = "http://www.w3.org/2001/XMLSchema-instance"
)

const cwmpNamespacePrefix = "urn:dslforum-org:cwmp-"

// schemaGen is the generation of the BBF schema that defines a namespace:
// 0 for cwmp-1-0.xsd, 1 for cwmp-1-1.xsd, 2 for cwmp-1-2.xsd and its
// extensions cwmp-1-3.xsd and cwmp-1-4.xsd.
type schemaGen int

const (
	gen10 schemaGen = iota
	gen11
	gen12
	genUnknown schemaGen = -1
)

func (n Namespace) gen() schemaGen {
	switch n {
	case Namespace10:
		return gen10
	case Namespace11:
		return gen11
	case Namespace12, Namespace13, Namespace14:
		return gen12
	}
	return genUnknown
}

// IsCWMPNamespace reports whether s looks like a cwmp namespace URI
// (urn:dslforum-org:cwmp-1-N), known or not.
func IsCWMPNamespace(s string) bool {
	rest, ok := strings.CutPrefix(s, cwmpNamespacePrefix)
	if !ok || len(rest) < 3 {
		return false
	}
	major, minor, ok := strings.Cut(rest, "-")
	return ok && allDigits(major) && allDigits(minor)
}

// Supported reports whether the package can encode messages in n.
func (n Namespace) Supported() bool { return n.gen() != genUnknown }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
