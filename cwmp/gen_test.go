package cwmp

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// A random generator of valid messages: every value it makes lies in the
// domain the schema of the chosen namespace allows, so the encoder must
// accept it and the decoder must give it back.

type gen struct {
	r  *rand.Rand
	g  schemaGen
	ns Namespace
}

func newGen(seed uint64, ns Namespace) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), g: ns.gen(), ns: ns}
}

func (g *gen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

// text returns a random string of XML characters, including markup
// characters, CR, tabs and non-ASCII, of at most max characters.
func (g *gen) text(max int) string {
	if max <= 0 || max > 40 {
		max = 40
	}
	if g.r.IntN(8) == 0 {
		return ""
	}
	runes := []rune("abcXYZ019 .-_<>&\"'\r\n\t;:/=é€漢😀")
	n := 1 + g.r.IntN(max)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(runes[g.r.IntN(len(runes))])
	}
	return b.String()
}

// word returns a non-empty string without whitespace at its ends.
func (g *gen) word(max int) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
	if max <= 0 || max > 24 {
		max = 24
	}
	n := 1 + g.r.IntN(max)
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.r.IntN(len(chars))]
	}
	return string(b)
}

func (g *gen) path(partial bool) string {
	parts := []string{g.pick("Device", "InternetGatewayDevice")}
	for i := g.r.IntN(4); i >= 0; i-- {
		if g.r.IntN(3) == 0 {
			parts = append(parts, fmt.Sprint(1+g.r.IntN(20)))
		} else {
			parts = append(parts, g.word(12))
		}
	}
	p := strings.Join(parts, ".")
	if partial {
		p += "."
	}
	return p
}

func (g *gen) hex(n int, upper bool) string {
	digits := "0123456789abcdef"
	if upper {
		digits = "0123456789ABCDEF"
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) uuid() string {
	return g.hex(8, false) + "-" + g.hex(4, true) + "-" + g.hex(4, false) + "-" + g.hex(4, false) + "-" + g.hex(12, true)
}

func (g *gen) time() time.Time {
	switch g.r.IntN(5) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(g.r.Int64N(4e9), 0).UTC()
	case 2:
		return time.Unix(g.r.Int64N(4e9), g.r.Int64N(1e9)).UTC()
	}
	off := (g.r.IntN(28*4) - 14*4) * 15 * 60
	return time.Unix(g.r.Int64N(4e9), int64(g.r.IntN(3))*250e6).In(time.FixedZone("", off))
}

func (g *gen) eventCode() string {
	switch g.g {
	case gen10:
		return g.pick(EventBootstrap, EventBoot, EventPeriodic, EventScheduled, EventValueChange,
			EventKicked, EventConnectionRequest, EventTransferComplete, EventDiagnosticsComplete,
			EventRequestDownload, EventMReboot, EventMScheduleInform, EventMDownload, EventMUpload,
			"M X_ACME_Thing", "X 00D09E Special event")
	case gen11:
		return g.pick(EventBoot, EventAutonomousTransferComplete, EventValueChange, EventMDownload,
			"M X_ACME_Thing", "M Custom", "X 00D09E Special event", "14 FUTURE EVENT")
	}
	return g.pick(EventBootstrap, EventBoot, EventPeriodic, EventValueChange, EventTransferComplete,
		EventAutonomousTransferComplete, EventDUStateChangeComplete, EventAutonomousDUStateChangeComplete,
		EventWakeup, EventMScheduleDownload, EventMChangeDUState, EventMUpload,
		"X 00D09E Special event", "X ACME Special event")
}

func (g *gen) checked(check string) string {
	old := g.g < gen12
	switch check {
	case "oui":
		return g.hex(6, true)
	case "uuid":
		return g.uuid()
	case "eventCode":
		return g.eventCode()
	case "downloadFileType":
		if old {
			return g.pick("1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "X 00D09E Modem Firmware")
		}
		return g.pick("1 Firmware Upgrade Image", "4 Tone File", "5 Ringer File", "X 00D09E Modem Firmware", "X ACME blob")
	case "uploadFileType":
		if old {
			return g.pick("1 Vendor Configuration File", "2 Vendor Log File", "X 00D09E Dump")
		}
		return g.pick("3 Vendor Configuration File 2", "4 Vendor Log File 1", "1 Vendor Configuration File", "X ACME dump")
	case "transferFileType":
		if old {
			return g.pick("1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Vendor Log File", "X 00D09E Thing")
		}
		return g.pick("1 Firmware Upgrade Image", "4 Vendor Log File 2", "X ACME thing")
	case "windowMode":
		return g.pick("1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed", "X ACME Later")
	case "objectName":
		return g.path(true)
	case "accessList":
		return "Subscriber"
	case "duState":
		return g.pick(DUStateInstalled, DUStateUninstalled, DUStateFailed)
	case "anyURI":
		return "http://" + g.word(10) + ".example/" + g.word(10)
	}
	panic("no generator for check " + check)
}

func (g *gen) codeFrom(rs []codeRange) FaultCode {
	r := rs[g.r.IntN(len(rs))]
	return FaultCode(r.lo + g.r.Int64N(r.hi-r.lo+1))
}

var valueSamples = map[string]func(g *gen) string{
	"xsd:string":       func(g *gen) string { return g.text(40) },
	"xsd:int":          func(g *gen) string { return fmt.Sprint(int32(g.r.Uint32())) },
	"xsd:unsignedInt":  func(g *gen) string { return fmt.Sprint(g.r.Uint32()) },
	"xsd:long":         func(g *gen) string { return fmt.Sprint(int64(g.r.Uint64())) },
	"xsd:unsignedLong": func(g *gen) string { return fmt.Sprint(g.r.Uint64()) },
	"xsd:boolean":      func(g *gen) string { return g.pick("true", "false", "0", "1") },
	"xsd:dateTime": func(g *gen) string {
		b, _ := formatDateTime(nil, g.time())
		return string(b)
	},
	"xsd:base64Binary": func(g *gen) string { return base64.StdEncoding.EncodeToString([]byte(g.text(20))) },
	"xsd:hexBinary":    func(g *gen) string { return g.hex(2*g.r.IntN(8), g.r.IntN(2) == 0) },
	"xsd:decimal":      func(g *gen) string { return g.pick("0", "-1.5", "3.25", "+12", ".5") },
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var valueTypeNames = sortedKeys(valueSamples)

func (g *gen) paramValue() ParameterValueStruct {
	typ := valueTypeNames[g.r.IntN(len(valueTypeNames))]
	return ParameterValueStruct{Name: g.path(false), Value: valueSamples[typ](g), Type: typ}
}

func (g *gen) operation() Operation {
	opt := func(s string) string {
		if g.r.IntN(2) == 0 {
			return ""
		}
		return s
	}
	switch g.r.IntN(3) {
	case 0:
		return &InstallOpStruct{URL: g.checked("anyURI"), UUID: opt(g.uuid()), Username: opt(g.text(20)),
			Password: opt(g.text(20)), ExecutionEnvRef: opt(g.path(false))}
	case 1:
		return &UpdateOpStruct{UUID: opt(g.uuid()), Version: opt(g.word(10)), URL: opt(g.checked("anyURI")),
			Username: opt(g.text(20)), Password: opt(g.text(20))}
	}
	return &UninstallOpStruct{UUID: g.uuid(), Version: opt(g.word(10)), ExecutionEnvRef: opt(g.path(false))}
}

// fill sets every field of the struct v to a random valid value.
func (g *gen) fill(v reflect.Value) {
	p := planFor(v.Type())
	for i := range p.fields {
		fp := &p.fields[i]
		fv := v.FieldByIndex(fp.index)
		if !fp.slice {
			g.fillValue(fp, fv)
			continue
		}
		max := fp.maxItems
		if max < 0 || max > 6 {
			max = 6
		}
		n := fp.minItems + g.r.IntN(max-fp.minItems+1)
		if n == 0 {
			continue // nil, as the decoder returns for no items
		}
		s := reflect.MakeSlice(fv.Type(), n, n)
		for j := 0; j < n; j++ {
			g.fillValue(fp, s.Index(j))
		}
		fv.Set(s)
	}
}

func (g *gen) fillValue(fp *fieldPlan, fv reflect.Value) {
	switch fp.kind {
	case kindString:
		switch {
		case fp.check != "":
			fv.SetString(g.checked(fp.check))
		case fp.trim:
			fv.SetString(g.word(fp.maxLen))
		case fp.maxLen > 0 && g.r.IntN(10) == 0:
			fv.SetString(strings.Repeat("é", fp.maxLen)) // at the limit, in characters not bytes
		default:
			fv.SetString(g.text(fp.maxLen))
		}
	case kindBool:
		fv.SetBool(g.r.IntN(2) == 0)
	case kindInt:
		switch {
		case fp.check == "notification":
			fv.SetInt(int64(g.r.IntN(int(notification[g.g][0].hi) + 1)))
		case fp.hasRange:
			fv.SetInt(fp.lo + g.r.Int64N(min(fp.hi-fp.lo+1, 1<<40)))
		default:
			fv.SetInt(int64(int32(g.r.Uint32())))
		}
	case kindUint32:
		v := uint64(g.r.Uint32())
		if fp.hasRange && (int64(v) < fp.lo || int64(v) > fp.hi) {
			v = uint64(fp.lo)
		}
		fv.SetUint(v)
	case kindFaultCode:
		switch fp.check {
		case "transferFault":
			fv.SetUint(uint64(g.codeFrom(transferFault[g.g])))
		case "duFault":
			fv.SetUint(uint64(g.codeFrom(duFault[g.g])))
		}
	case kindTime:
		fv.Set(reflect.ValueOf(g.time()))
	case kindBytes:
		fv.SetBytes([]byte(g.text(30) + "x"))
	case kindStruct:
		g.fill(fv)
	case kindParamValue:
		fv.Set(reflect.ValueOf(g.paramValue()))
	case kindOperation:
		fv.Set(reflect.ValueOf(g.operation()))
	}
}

func (g *gen) fault() *Fault {
	code := g.codeFrom(soapFault[g.g])
	f := &Fault{SOAPCode: code.SOAPFaultCode(), SOAPString: CWMPFaultString, Code: code, String: g.word(30)}
	if g.r.IntN(2) == 0 {
		for i := g.r.IntN(4); i >= 0; i-- {
			c := g.codeFrom(spvFault[g.g])
			f.SetParameterValuesFaults = append(f.SetParameterValuesFaults,
				SetParameterValuesFault{ParameterName: g.path(false), FaultCode: c, FaultString: g.text(30) + "."})
		}
	}
	return f
}

func (g *gen) header() Header {
	var h Header
	if g.r.IntN(4) != 0 {
		h.ID = g.text(20)
	}
	h.HoldRequests = g.r.IntN(4) == 0
	h.NoMoreRequests = g.r.IntN(6) == 0
	if g.g == gen12 {
		if g.r.IntN(3) == 0 {
			h.SessionTimeout = 1 + g.r.Uint32N(3600)
		}
		if g.r.IntN(3) == 0 {
			h.SupportedCWMPVersions = g.pick("1.0,1.1,1.2,1.3,1.4", "1.4", "1.0,1.2")
		}
		if g.r.IntN(3) == 0 {
			h.UseCWMPVersion = g.pick("1.2", "1.4")
		}
	}
	return h
}

// message returns a random instance of the named message.
func (g *gen) message(name string) Message {
	if name == "Fault" {
		return g.fault()
	}
	m := NewMessage(name)
	g.fill(reflect.ValueOf(m).Elem())
	return m
}

// envelope returns a random envelope carrying the named message.
func (g *gen) envelope(name string) *Envelope {
	return &Envelope{Namespace: g.ns, Header: g.header(), Body: g.message(name)}
}

// namesFor lists the messages (and "Fault") that exist in ns, sorted.
func namesFor(ns Namespace) []string {
	var out []string
	for name, mt := range messageTypes {
		if mt.since <= ns.gen() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return append(out, "Fault")
}

var allNamespaces = []Namespace{Namespace10, Namespace11, Namespace12, Namespace13, Namespace14}

// equalMessages compares decoded against original, with time.Time compared
// by instant; it returns a description of the first difference.
func equalMessages(a, b any) string {
	return diffValues(reflect.ValueOf(a), reflect.ValueOf(b), "")
}

func diffValues(a, b reflect.Value, path string) string {
	if a.IsValid() != b.IsValid() {
		return path + ": one side missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %s vs %s", path, a.Type(), b.Type())
	}
	if a.Type() == timeType {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		if !ta.Equal(tb) {
			return fmt.Sprintf("%s: time %v vs %v", path, ta, tb)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs non-nil"
			}
			return ""
		}
		return diffValues(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := diffValues(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValues(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %#v vs %#v", path, a.Interface(), b.Interface())
	}
	return ""
}

// testSeeds returns the fixed seed and a few random ones, logged so a
// failure can be replayed with CWMP_SEED.
func testSeeds(t *testing.T) []uint64 {
	seeds := []uint64{1}
	if s := envSeed(); s != 0 {
		return []uint64{s}
	}
	for i := 0; i < 3; i++ {
		seeds = append(seeds, rand.Uint64())
	}
	t.Logf("seeds %v (replay one with CWMP_SEED=<seed>)", seeds)
	return seeds
}

func reflectElemType(m Message) reflect.Type { return reflect.TypeOf(m).Elem() }
