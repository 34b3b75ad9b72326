package cwmp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Default decoder limits.
const (
	DefaultMaxSize     = 10 << 20
	DefaultMaxDepth    = 64
	DefaultMaxElements = 1 << 19
)

// Decoder decodes CWMP envelopes within limits. The zero Decoder uses the
// defaults; it is safe for concurrent use.
type Decoder struct {
	// MaxSize is the largest document accepted, in bytes.
	MaxSize int64
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth int
	// MaxElements is the most elements a document may have.
	MaxElements int
	// Tolerant drops an item of a list (a ParameterList, an Event …)
	// that does not decode, or a ParameterValueStruct without a Name,
	// instead of failing the whole message, and records it in
	// Envelope.Issues. Real CPEs send such items (a <Writable>30</Writable>
	// among hundreds of good entries). SOAP arrays whose arrayType count
	// disagrees with their items are recorded either way.
	Tolerant bool
}

func (d *Decoder) limits() (int64, int, int) {
	size, depth, elems := d.MaxSize, d.MaxDepth, d.MaxElements
	if size <= 0 {
		size = DefaultMaxSize
	}
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	if elems <= 0 {
		elems = DefaultMaxElements
	}
	return size, depth, elems
}

// MemoryBound is an upper bound of the memory decoding a document of
// size bytes takes with d's limits: its element table (at most one
// element per 4 bytes, "<a/>", and MaxElements), three copies of the
// text (the string copy, a re-encoding, joined text) and a little more.
// A server sizes a budget of concurrent decodes with it.
func (d *Decoder) MemoryBound(size int64) int64 {
	_, _, elems := d.limits()
	n := min(size/4+1, int64(elems))
	return n*int64(unsafe.Sizeof(xnode{})) + 3*size + 64<<10
}

// ErrNotEnvelope is returned for a well-formed document that is not a SOAP
// envelope with a body.
var ErrNotEnvelope = errors.New("cwmp: not a SOAP envelope")

// Decode decodes one envelope with the default limits.
func Decode(data []byte) (*Envelope, error) {
	var d Decoder
	return d.Decode(data)
}

// Decode decodes one envelope. An empty or all-whitespace document is the
// empty POST: an Envelope whose IsEmpty is true, and no error.
//
// When the header has an element marked mustUnderstand="1" that the
// decoder does not know, Decode returns the decoded envelope together
// with a *MustUnderstandError, so the caller can answer with the same ID.
//
// Decoded strings are mostly substrings of one string copy of data (that
// is what keeps decoding cheap): holding on to any of them keeps the whole
// copy alive. Clone strings (strings.Clone) that are kept long after the
// rest of a large message is dropped.
func (d *Decoder) Decode(data []byte) (*Envelope, error) {
	maxSize, maxDepth, maxElems := d.limits()
	if int64(len(data)) > maxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), maxSize)
	}
	data = trimLeadingSpace(data)
	if len(data) == 0 {
		return &Envelope{}, nil
	}
	t, err := buildTree(data, maxDepth, maxElems)
	if err != nil {
		return nil, err
	}
	t.tolerant = d.Tolerant
	env, err := t.envelope()
	if env != nil {
		env.Issues = t.issues
	}
	return env, err
}

// trimLeadingSpace drops a UTF-8 byte-order mark and whitespace before the
// document: neither is well-formed before an XML declaration, and real
// CPEs send both.
func trimLeadingSpace(b []byte) []byte {
	for {
		switch {
		case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
			b = b[3:]
		case len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n'):
			b = b[1:]
		default:
			return b
		}
	}
}

func (t *xtree) envelope() (*Envelope, error) {
	const root = 0
	if t.nodes[root].local != "Envelope" {
		return nil, fmt.Errorf("%w: the root element is <%s>", ErrNotEnvelope, t.nodes[root].local)
	}
	header := t.child(root, "Header")
	body := t.child(root, "Body")
	if body < 0 {
		return nil, fmt.Errorf("%w: no Body element", ErrNotEnvelope)
	}
	msgNode := t.firstChild(body)
	if msgNode < 0 {
		return nil, fmt.Errorf("%w: the Body is empty (line %d)", ErrNotEnvelope, t.nodes[body].line)
	}
	env := &Envelope{Namespace: t.detectNamespace(header, msgNode)}

	var mu *MustUnderstandError
	if header >= 0 {
		mu = t.header(header, &env.Header)
	}
	msg, err := t.message(msgNode)
	if err != nil {
		return nil, err
	}
	env.Body = msg
	if mu != nil {
		return env, mu
	}
	return env, nil
}

// detectNamespace finds the peer's cwmp namespace: the message element's,
// else a header element's, else any cwmp namespace declared.
func (t *xtree) detectNamespace(header, msg int32) Namespace {
	if s := t.nodes[msg].space; IsCWMPNamespace(s) {
		return Namespace(s)
	}
	if header >= 0 {
		for c := t.firstChild(header); c >= 0; c = t.nodes[c].next {
			if s := t.nodes[c].space; IsCWMPNamespace(s) {
				return Namespace(s)
			}
		}
	}
	return Namespace(t.cwmpNS)
}

// isCWMPish reports whether an element in space may be taken for a cwmp
// element: a cwmp namespace, no namespace, or an undeclared prefix.
func isCWMPish(space string) bool {
	return space == "" || IsCWMPNamespace(space) || !strings.Contains(space, ":")
}

func (t *xtree) header(h int32, out *Header) *MustUnderstandError {
	var mu *MustUnderstandError
	for c := t.firstChild(h); c >= 0; c = t.nodes[c].next {
		n := &t.nodes[c]
		known := isCWMPish(n.space)
		if known {
			switch n.local {
			case "ID":
				out.ID = n.text
			case "HoldRequests":
				out.HoldRequests, _ = parseBool(n.text)
			case "NoMoreRequests":
				out.NoMoreRequests, _ = parseBool(n.text)
			case "SessionTimeout":
				v, _ := strconv.ParseUint(strings.TrimSpace(n.text), 10, 32)
				out.SessionTimeout = uint32(v)
			case "SupportedCWMPVersions":
				out.SupportedCWMPVersions = strings.TrimSpace(n.text)
			case "UseCWMPVersion":
				out.UseCWMPVersion = strings.TrimSpace(n.text)
			default:
				known = false
			}
		}
		if !known && n.mustUnderstand {
			if mu == nil {
				mu = &MustUnderstandError{}
			}
			mu.Elements = append(mu.Elements, xmlName(n.space, n.local))
		}
	}
	return mu
}

// decodeError locates a field decoding failure.
func (t *xtree) decodeError(n int32, path string, err error) error {
	return fmt.Errorf("cwmp: line %d: %s: %w", t.nodes[n].line, path, err)
}

func (t *xtree) message(n int32) (Message, error) {
	node := &t.nodes[n]
	if node.local == "Fault" {
		if IsCWMPNamespace(node.space) {
			// A bare cwmp:Fault in the Body, without the SOAP Fault around it.
			f := &Fault{}
			if err := t.cwmpFault(n, f); err != nil {
				return nil, err
			}
			f.SOAPCode = f.Code.SOAPFaultCode()
			f.SOAPString = CWMPFaultString
			return f, nil
		}
		return t.soapFault(n)
	}
	mt, ok := messageTypes[node.local]
	if !ok {
		return &UnknownMethod{Namespace: node.space, Name: node.local}, nil
	}
	m := mt.new()
	v := reflect.ValueOf(m).Elem()
	if err := t.fields(planFor(v.Type()), v, n, node.local); err != nil {
		return nil, err
	}
	return m, nil
}

func (t *xtree) soapFault(n int32) (*Fault, error) {
	f := &Fault{}
	if c := t.child(n, "faultcode"); c >= 0 {
		code := strings.TrimSpace(t.nodes[c].text)
		if i := strings.LastIndexByte(code, ':'); i >= 0 {
			code = code[i+1:]
		}
		f.SOAPCode = code
	}
	if c := t.child(n, "faultstring"); c >= 0 {
		f.SOAPString = t.nodes[c].text
	}
	if d := t.child(n, "detail"); d >= 0 {
		if cf := t.child(d, "Fault"); cf >= 0 {
			if err := t.cwmpFault(cf, f); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

func (t *xtree) cwmpFault(n int32, f *Fault) error {
	for c := t.firstChild(n); c >= 0; c = t.nodes[c].next {
		node := &t.nodes[c]
		switch node.local {
		case "FaultCode":
			code, err := parseUint32(node.text)
			if err != nil {
				return t.decodeError(c, "Fault.FaultCode", err)
			}
			f.Code = FaultCode(code)
		case "FaultString":
			f.String = node.text
		case "SetParameterValuesFault":
			var p SetParameterValuesFault
			for g := t.firstChild(c); g >= 0; g = t.nodes[g].next {
				gn := &t.nodes[g]
				switch gn.local {
				case "ParameterName":
					p.ParameterName = strings.TrimSpace(gn.text)
				case "FaultCode":
					code, err := parseUint32(gn.text)
					if err != nil {
						return t.decodeError(g, "SetParameterValuesFault.FaultCode", err)
					}
					p.FaultCode = FaultCode(code)
				case "FaultString":
					p.FaultString = gn.text
				}
			}
			f.SetParameterValuesFaults = append(f.SetParameterValuesFaults, p)
		}
	}
	return nil
}

// fields decodes the children of element n into the struct v. Elements
// are matched by local name in any order; missing ones stay zero, unknown
// ones are ignored.
func (t *xtree) fields(p *plan, v reflect.Value, n int32, path string) error {
	for i := range p.fields {
		fp := &p.fields[i]
		if fp.slice && fp.arrayType == "" { // repeated element
			if err := t.repeated(fp, v.FieldByIndex(fp.index), n, path); err != nil {
				return err
			}
			continue
		}
		c := t.child(n, fp.name)
		if c < 0 {
			continue
		}
		fv := v.FieldByIndex(fp.index)
		if fp.slice {
			if err := t.array(fp, fv, c, path+"."+fp.name); err != nil {
				return err
			}
			continue
		}
		if err := t.value(fp, fv, c, path+"."+fp.name); err != nil {
			return err
		}
	}
	return nil
}

func (t *xtree) repeated(fp *fieldPlan, fv reflect.Value, n int32, path string) error {
	count := 0
	for c := t.firstChild(n); c >= 0; c = t.nodes[c].next {
		if t.nodes[c].local == fp.name {
			count++
		}
	}
	if count == 0 {
		return nil
	}
	s := reflect.MakeSlice(fv.Type(), count, count)
	i, item := 0, 0
	for c := t.firstChild(n); c >= 0; c = t.nodes[c].next {
		if t.nodes[c].local != fp.name {
			continue
		}
		item++
		if err := t.value(fp, s.Index(i), c, path+"."+fp.name); err != nil {
			if !t.tolerate(c, path+"."+fp.name, item-1, err) {
				return fmt.Errorf("%w (item %d)", err, item-1)
			}
			s.Index(i).Set(reflect.Zero(s.Type().Elem()))
			continue
		}
		i++
	}
	fv.Set(s.Slice(0, i))
	return nil
}

// tolerate records a bad item dropped in tolerant mode; false when the
// decoder is strict.
func (t *xtree) tolerate(n int32, path string, item int, err error) bool {
	if !t.tolerant {
		return false
	}
	name := ""
	if c := t.child(n, "Name"); c >= 0 {
		name = strings.TrimSpace(t.nodes[c].text)
	}
	t.issues = append(t.issues, DecodeIssue{Line: int(t.nodes[n].line), Path: path, Item: item, Name: name, Msg: err.Error()})
	return true
}

// checkArrayType records a SOAP array whose arrayType count ("…[n]")
// disagrees with its items.
func (t *xtree) checkArrayType(n int32, path string, count int) {
	at := t.nodes[n].arrayType
	open := strings.LastIndexByte(at, '[')
	if open < 0 || !strings.HasSuffix(at, "]") {
		return
	}
	declared, err := strconv.Atoi(at[open+1 : len(at)-1])
	if err != nil || declared == count {
		return
	}
	t.issues = append(t.issues, DecodeIssue{Line: int(t.nodes[n].line), Path: path, Item: -1,
		Msg: fmt.Sprintf("arrayType %q declares %d items, the array has %d", at, declared, count)})
}

// array decodes a SOAP array: every child element is an item, whatever
// its name and whatever arrayType claims.
func (t *xtree) array(fp *fieldPlan, fv reflect.Value, n int32, path string) error {
	count := 0
	for c := t.firstChild(n); c >= 0; c = t.nodes[c].next {
		count++
	}
	t.checkArrayType(n, path, count)
	if count == 0 {
		return nil
	}
	if fp.kind == kindParamValue {
		list := make([]ParameterValueStruct, 0, count)
		item := 0
		for c := t.firstChild(n); c >= 0; c = t.nodes[c].next {
			pv := t.paramValue(c)
			item++
			if pv.Name == "" && t.tolerate(c, path, item-1, errors.New("no Name")) {
				continue
			}
			list = append(list, pv)
		}
		fv.Set(reflect.ValueOf(list))
		return nil
	}
	s := reflect.MakeSlice(fv.Type(), count, count)
	i, item := 0, 0
	for c := t.firstChild(n); c >= 0; c = t.nodes[c].next {
		item++
		if err := t.value(fp, s.Index(i), c, path); err != nil {
			if !t.tolerate(c, path, item-1, err) {
				return fmt.Errorf("%w (item %d)", err, item-1)
			}
			s.Index(i).Set(reflect.Zero(s.Type().Elem()))
			continue
		}
		i++
	}
	fv.Set(s.Slice(0, i))
	return nil
}

func (t *xtree) paramValue(n int32) ParameterValueStruct {
	var pv ParameterValueStruct
	if c := t.child(n, "Name"); c >= 0 {
		pv.Name = strings.TrimSpace(t.nodes[c].text)
	}
	if c := t.child(n, "Value"); c >= 0 {
		pv.Value = t.nodes[c].text
		pv.Type = t.nodes[c].xsiType
	}
	return pv
}

func (t *xtree) value(fp *fieldPlan, fv reflect.Value, n int32, path string) error {
	node := &t.nodes[n]
	text := node.text
	switch fp.kind {
	case kindString:
		if fp.trim {
			text = strings.TrimSpace(text)
		}
		fv.SetString(text)
	case kindBool:
		b, err := parseBool(text)
		if err != nil {
			return t.decodeError(n, path, err)
		}
		fv.SetBool(b)
	case kindInt:
		s := strings.TrimSpace(text)
		if s == "" {
			return nil
		}
		v, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64)
		if err != nil {
			return t.decodeError(n, path, fmt.Errorf("%q is not an integer", s))
		}
		fv.SetInt(v)
	case kindUint32, kindFaultCode:
		v, err := parseUint32(text)
		if err != nil {
			return t.decodeError(n, path, err)
		}
		fv.SetUint(uint64(v))
	case kindTime:
		fv.Set(reflect.ValueOf(parseDateTimeLenient(text)))
	case kindBytes:
		b, err := decodeBase64Lenient(text)
		if err != nil {
			return t.decodeError(n, path, err)
		}
		fv.SetBytes(b)
	case kindStruct:
		return t.fields(fp.sub, fv, n, path)
	case kindParamValue:
		fv.Set(reflect.ValueOf(t.paramValue(n)))
	case kindOperation:
		op := t.operationFor(n)
		ov := reflect.ValueOf(op).Elem()
		if err := t.fields(planFor(ov.Type()), ov, n, path); err != nil {
			return err
		}
		fv.Set(reflect.ValueOf(op))
	}
	return nil
}

// operationFor picks the ChangeDUState operation type from xsi:type, or,
// when a sender left it out, from the elements present: an Uninstall has
// no URL, an Install has no Version.
func (t *xtree) operationFor(n int32) Operation {
	typ := t.nodes[n].xsiType
	if i := strings.LastIndexByte(typ, ':'); i >= 0 {
		typ = typ[i+1:]
	}
	switch typ {
	case "InstallOpStruct":
		return &InstallOpStruct{}
	case "UpdateOpStruct":
		return &UpdateOpStruct{}
	case "UninstallOpStruct":
		return &UninstallOpStruct{}
	}
	switch {
	case t.child(n, "URL") < 0:
		return &UninstallOpStruct{}
	case t.child(n, "Version") >= 0:
		return &UpdateOpStruct{}
	}
	return &InstallOpStruct{}
}

func parseBool(s string) (bool, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "1" || strings.EqualFold(s, "true"):
		return true, nil
	case s == "0" || s == "" || strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}

func parseUint32(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an unsigned 32-bit integer", s)
	}
	return uint32(v), nil
}

// parseDateTimeLenient parses an xs:dateTime as CPEs write it; a value it
// cannot read is the unknown time (the zero time), since one bad clock
// must not make a whole session fail.
func parseDateTimeLenient(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := parseDateTime(s); err == nil {
		return normaliseUnknownTime(t)
	}
	// A space instead of the T.
	if len(s) > 10 && s[10] == ' ' {
		if t, err := parseDateTime(s[:10] + "T" + s[11:]); err == nil {
			return normaliseUnknownTime(t)
		}
	}
	return time.Time{}
}

// normaliseUnknownTime maps 0001-01-01T00:00:00 in any zone to the zero
// time, the unknown time.
func normaliseUnknownTime(t time.Time) time.Time {
	if y, m, d := t.Date(); y == 1 && m == 1 && d == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return time.Time{}
	}
	return t
}

func decodeBase64Lenient(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	return b, nil
}
