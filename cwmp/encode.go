package cwmp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Prefixes the encoder declares on the Envelope element.
const (
	prefixEnv  = "SOAP-ENV"
	prefixEnc  = "SOAP-ENC"
	prefixCWMP = "cwmp"
)

// Marshal returns the XML encoding of env. An empty envelope (IsEmpty)
// encodes to no bytes: the empty HTTP POST.
func Marshal(env *Envelope) ([]byte, error) {
	return AppendEnvelope(nil, env)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Encode writes the XML encoding of env to w. Nothing is written if the
// envelope does not encode.
func Encode(w io.Writer, env *Envelope) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b, err := AppendEnvelope((*bp)[:0], env)
	*bp = b[:0]
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return nil
	}
	_, err = w.Write(b)
	return err
}

// EncodeError reports what the encoder refused to send: Path names the
// offending element, Err says which schema rule it breaks.
type EncodeError struct {
	Method string
	Path   string
	Err    error
}

func (e *EncodeError) Error() string {
	if e.Path == "" {
		return "cwmp: encoding " + e.Method + ": " + e.Err.Error()
	}
	return "cwmp: encoding " + e.Method + " " + e.Path + ": " + e.Err.Error()
}

func (e *EncodeError) Unwrap() error { return e.Err }

// pathError carries the element path out of the recursive encoder.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }

func wrapPath(name string, err error) error {
	var pe *pathError
	if errors.As(err, &pe) {
		return &pathError{name + "." + pe.path, pe.err}
	}
	return &pathError{name, err}
}

// AppendEnvelope appends the XML encoding of env to dst. The output is
// valid against the BBF schema of env.Namespace; anything that would not
// be is refused with an *EncodeError and dst is returned unchanged.
func AppendEnvelope(dst []byte, env *Envelope) ([]byte, error) {
	if env.IsEmpty() {
		return dst, nil
	}
	method := "envelope"
	if env.Body != nil {
		method = env.Body.MethodName()
	}
	fail := func(path string, err error) ([]byte, error) {
		var pe *pathError
		if errors.As(err, &pe) {
			path, err = pe.path, pe.err
		}
		return dst, &EncodeError{Method: method, Path: path, Err: err}
	}
	if env.Body == nil {
		return fail("", errors.New("envelope has a header but no body"))
	}
	ns := env.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	e := encoder{buf: dst, gen: ns.gen()}
	if e.gen == genUnknown {
		return fail("", fmt.Errorf("unsupported cwmp namespace %q", ns))
	}
	b := append(e.buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<SOAP-ENV:Envelope xmlns:SOAP-ENV="`+NamespaceSOAPEnvelope+
		`" xmlns:SOAP-ENC="`+NamespaceSOAPEncoding+
		`" xmlns:xsd="`+NamespaceXSD+
		`" xmlns:xsi="`+NamespaceXSI+
		`" xmlns:cwmp="`...)
	b = appendEscaped(b, string(ns), true)
	e.buf = append(b, `">`...)
	if err := e.header(&env.Header); err != nil {
		return fail("Header", err)
	}
	e.buf = append(e.buf, "<SOAP-ENV:Body>"...)
	if err := e.body(env.Body); err != nil {
		return fail("", err)
	}
	e.buf = append(e.buf, "</SOAP-ENV:Body></SOAP-ENV:Envelope>"...)
	return e.buf, nil
}

type encoder struct {
	buf []byte
	gen schemaGen
}

func (e *encoder) header(h *Header) error {
	if *h == (Header{}) {
		return nil
	}
	e.buf = append(e.buf, "<SOAP-ENV:Header>"...)
	if h.ID != "" {
		if err := checkXMLText(h.ID); err != nil {
			return wrapPath("ID", err)
		}
		e.headerElem("ID", "1", h.ID)
	}
	if h.HoldRequests {
		e.headerElem("HoldRequests", "1", "1")
	}
	if h.SessionTimeout != 0 || h.SupportedCWMPVersions != "" || h.UseCWMPVersion != "" {
		if e.gen < gen12 {
			return errors.New("SessionTimeout, SupportedCWMPVersions and UseCWMPVersion need the cwmp-1-2 namespace (CWMP 1.2 and later)")
		}
	}
	if h.SessionTimeout != 0 {
		e.headerElem("SessionTimeout", "0", strconv.FormatUint(uint64(h.SessionTimeout), 10))
	}
	if h.SupportedCWMPVersions != "" {
		if !cwmpVersionList.MatchString(h.SupportedCWMPVersions) {
			return wrapPath("SupportedCWMPVersions", fmt.Errorf("%q is not a comma-separated list of versions", h.SupportedCWMPVersions))
		}
		e.headerElem("SupportedCWMPVersions", "0", h.SupportedCWMPVersions)
	}
	if h.UseCWMPVersion != "" {
		if !cwmpVersion.MatchString(h.UseCWMPVersion) {
			return wrapPath("UseCWMPVersion", fmt.Errorf("%q is not a version", h.UseCWMPVersion))
		}
		e.headerElem("UseCWMPVersion", "1", h.UseCWMPVersion)
	}
	if h.NoMoreRequests {
		// Never declared in a schema; the Header admits it laxly.
		e.headerElem("NoMoreRequests", "0", "1")
	}
	e.buf = append(e.buf, "</SOAP-ENV:Header>"...)
	return nil
}

func (e *encoder) headerElem(name, mustUnderstand, text string) {
	b := append(e.buf, "<cwmp:"...)
	b = append(b, name...)
	b = append(b, ` SOAP-ENV:mustUnderstand="`...)
	b = append(b, mustUnderstand...)
	b = append(b, `">`...)
	b = appendEscaped(b, text, false)
	b = append(b, "</cwmp:"...)
	b = append(b, name...)
	e.buf = append(b, '>')
}

func (e *encoder) body(m Message) error {
	switch m := m.(type) {
	case *Fault:
		return e.fault(m)
	case *UnknownMethod:
		return errors.New("an UnknownMethod cannot be encoded")
	}
	name := m.MethodName()
	mt, ok := messageTypes[name]
	if !ok {
		return fmt.Errorf("unknown message type %T", m)
	}
	if e.gen < mt.since {
		return fmt.Errorf("%s does not exist in this cwmp namespace; it needs %s or later", name, [...]string{"cwmp-1-0", "cwmp-1-1", "cwmp-1-2"}[mt.since])
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("message must be a non-nil pointer, got %T", m)
	}
	v = v.Elem()
	p := planFor(v.Type())
	e.buf = append(e.buf, "<cwmp:"...)
	e.buf = append(e.buf, name...)
	if len(p.fields) == 0 {
		e.buf = append(e.buf, "/>"...)
		return nil
	}
	e.buf = append(e.buf, '>')
	if err := e.fields(p, v); err != nil {
		return err
	}
	e.buf = append(e.buf, "</cwmp:"...)
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
	return nil
}

func (e *encoder) fields(p *plan, v reflect.Value) error {
	for i := range p.fields {
		fp := &p.fields[i]
		fv := v.FieldByIndex(fp.index)
		if err := e.field(fp, fv); err != nil {
			return wrapPath(fp.name, err)
		}
	}
	return nil
}

func (e *encoder) field(fp *fieldPlan, fv reflect.Value) error {
	if !fp.slice {
		if fp.omitEmpty && fv.IsZero() {
			return nil
		}
		return e.value(fp, fp.name, fv)
	}
	n := fv.Len()
	if n < fp.minItems {
		return fmt.Errorf("needs at least %d item(s), has %d", fp.minItems, n)
	}
	if fp.maxItems >= 0 && n > fp.maxItems {
		return fmt.Errorf("allows at most %d items, has %d", fp.maxItems, n)
	}
	if fp.arrayType == "" { // repeated element
		for i := 0; i < n; i++ {
			if err := e.value(fp, fp.name, fv.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	b := append(e.buf, '<')
	b = append(b, fp.name...)
	b = append(b, ` SOAP-ENC:arrayType="`...)
	b = append(b, fp.arrayType...)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(n), 10)
	e.buf = append(b, `]">`...)
	if fp.kind == kindParamValue {
		if err := e.paramValues(fv.Interface().([]ParameterValueStruct)); err != nil {
			return err
		}
	} else {
		for i := 0; i < n; i++ {
			if err := e.value(fp, fp.itemName, fv.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	}
	b = append(e.buf, "</"...)
	b = append(b, fp.name...)
	e.buf = append(b, '>')
	return nil
}

// value encodes one element named name holding fv, of fp's kind.
func (e *encoder) value(fp *fieldPlan, name string, fv reflect.Value) error {
	switch fp.kind {
	case kindStruct:
		e.open(name)
		if err := e.fields(fp.sub, fv); err != nil {
			return err
		}
		e.close(name)
		return nil
	case kindParamValue:
		pv := fv.Interface().(ParameterValueStruct)
		return e.paramValues([]ParameterValueStruct{pv})
	case kindOperation:
		return e.operation(name, fv)
	}
	switch fp.kind {
	case kindString:
		s := fv.String()
		if err := checkXMLText(s); err != nil {
			return err
		}
		if fp.maxLen > 0 && len(s) > fp.maxLen && utf8.RuneCountInString(s) > fp.maxLen {
			return fmt.Errorf("longer than %d characters", fp.maxLen)
		}
		if err := checkString(fp.check, e.gen, s); err != nil {
			return err
		}
		e.open(name)
		e.buf = appendEscaped(e.buf, s, false)
	case kindBool:
		e.open(name)
		if fv.Bool() {
			e.buf = append(e.buf, '1')
		} else {
			e.buf = append(e.buf, '0')
		}
	case kindInt, kindUint32, kindFaultCode:
		var n int64
		if fp.kind == kindInt {
			n = fv.Int()
			if !fp.hasRange && fp.check == "" && (n < -1<<31 || n > 1<<31-1) {
				return fmt.Errorf("%d does not fit xs:int", n)
			}
		} else {
			n = int64(fv.Uint())
		}
		if fp.hasRange && (n < fp.lo || n > fp.hi) {
			return fmt.Errorf("%d is outside %d..%d", n, fp.lo, fp.hi)
		}
		if err := checkInt(fp.check, e.gen, n); err != nil {
			return err
		}
		e.open(name)
		e.buf = strconv.AppendInt(e.buf, n, 10)
	case kindTime:
		e.open(name)
		var err error
		if e.buf, err = formatDateTime(e.buf, fv.Interface().(time.Time)); err != nil {
			return err
		}
	case kindBytes:
		e.open(name)
		e.buf = base64.StdEncoding.AppendEncode(e.buf, fv.Bytes())
	}
	e.close(name)
	return nil
}

func (e *encoder) open(name string) {
	b := append(e.buf, '<')
	b = append(b, name...)
	e.buf = append(b, '>')
}

func (e *encoder) close(name string) {
	b := append(e.buf, "</"...)
	b = append(b, name...)
	e.buf = append(b, '>')
}

func (e *encoder) paramValues(list []ParameterValueStruct) error {
	b := e.buf
	for i := range list {
		pv := &list[i]
		if err := checkXMLText(pv.Name); err != nil {
			return fmt.Errorf("[%d].Name: %w", i, err)
		}
		if len(pv.Name) > 256 && utf8.RuneCountInString(pv.Name) > 256 {
			return fmt.Errorf("[%d].Name: longer than 256 characters", i)
		}
		typ := pv.Type
		if typ == "" {
			typ = "xsd:string"
		}
		if typ != "xsd:string" {
			if err := checkValue(typ, pv.Value); err != nil {
				return fmt.Errorf("[%d].Value: %w", i, err)
			}
		} else if err := checkXMLText(pv.Value); err != nil {
			return fmt.Errorf("[%d].Value: %w", i, err)
		}
		b = append(b, "<ParameterValueStruct><Name>"...)
		b = appendEscaped(b, pv.Name, false)
		b = append(b, `</Name><Value xsi:type="`...)
		b = append(b, typ...)
		b = append(b, `">`...)
		b = appendEscaped(b, pv.Value, false)
		b = append(b, "</Value></ParameterValueStruct>"...)
	}
	e.buf = b
	return nil
}

func (e *encoder) operation(name string, fv reflect.Value) error {
	op, _ := fv.Interface().(Operation)
	if op == nil {
		return errors.New("nil operation")
	}
	v := reflect.ValueOf(op)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("operation must be a non-nil pointer, got %T", op)
	}
	switch op.(type) {
	case *InstallOpStruct, *UpdateOpStruct, *UninstallOpStruct:
	default:
		return fmt.Errorf("unknown operation type %T", op)
	}
	b := append(e.buf, '<')
	b = append(b, name...)
	b = append(b, ` xsi:type="cwmp:`...)
	b = append(b, op.OperationType()...)
	e.buf = append(b, `">`...)
	if err := e.fields(planFor(v.Elem().Type()), v.Elem()); err != nil {
		return err
	}
	e.close(name)
	return nil
}

func (e *encoder) fault(f *Fault) error {
	code := f.soapCode()
	if !isNCName(code) {
		return fmt.Errorf("SOAP faultcode %q is not a name", code)
	}
	if err := checkXMLText(f.SOAPString); err != nil {
		return wrapPath("faultstring", err)
	}
	b := append(e.buf, "<SOAP-ENV:Fault><faultcode>"...)
	if code != SOAPFaultClient && code != SOAPFaultServer {
		b = append(b, "SOAP-ENV:"...)
	}
	b = append(b, code...)
	b = append(b, "</faultcode><faultstring>"...)
	b = appendEscaped(b, f.soapString(), false)
	b = append(b, "</faultstring>"...)
	e.buf = b
	if f.Code != 0 {
		if err := e.cwmpFault(f); err != nil {
			return wrapPath("Fault", err)
		}
	} else if len(f.SetParameterValuesFaults) > 0 {
		return errors.New("SetParameterValuesFaults without a fault code")
	}
	e.buf = append(e.buf, "</SOAP-ENV:Fault>"...)
	return nil
}

func (e *encoder) cwmpFault(f *Fault) error {
	if !inRanges(int64(f.Code), soapFault[e.gen]) {
		return fmt.Errorf("fault code %d is not allowed by this schema version", f.Code)
	}
	s := f.String
	if s == "" {
		s = DefaultFaultString(f.Code)
	}
	if err := checkXMLText(s); err != nil {
		return wrapPath("FaultString", err)
	}
	b := append(e.buf, "<detail><cwmp:Fault><FaultCode>"...)
	b = strconv.AppendUint(b, uint64(f.Code), 10)
	b = append(b, "</FaultCode><FaultString>"...)
	b = appendEscaped(b, s, false)
	b = append(b, "</FaultString>"...)
	for i, p := range f.SetParameterValuesFaults {
		if !inRanges(int64(p.FaultCode), spvFault[e.gen]) {
			return fmt.Errorf("SetParameterValuesFault[%d]: fault code %d is not allowed by this schema version", i, p.FaultCode)
		}
		ps := p.FaultString
		if ps == "" {
			ps = DefaultFaultString(p.FaultCode)
		}
		if err := checkXMLText(p.ParameterName); err != nil {
			return fmt.Errorf("SetParameterValuesFault[%d].ParameterName: %w", i, err)
		}
		if err := checkXMLText(ps); err != nil {
			return fmt.Errorf("SetParameterValuesFault[%d].FaultString: %w", i, err)
		}
		b = append(b, "<SetParameterValuesFault><ParameterName>"...)
		b = appendEscaped(b, p.ParameterName, false)
		b = append(b, "</ParameterName><FaultCode>"...)
		b = strconv.AppendUint(b, uint64(p.FaultCode), 10)
		b = append(b, "</FaultCode><FaultString>"...)
		b = appendEscaped(b, ps, false)
		b = append(b, "</FaultString></SetParameterValuesFault>"...)
	}
	e.buf = append(b, "</cwmp:Fault></detail>"...)
	return nil
}

// appendEscaped appends s escaped for element content (or, with attr, for
// a double-quoted attribute value). CR is escaped so that it survives XML
// line-end normalisation.
func appendEscaped(b []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		case '\n':
			if !attr {
				continue
			}
			esc = "&#xA;"
		case '\t':
			if !attr {
				continue
			}
			esc = "&#x9;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}
