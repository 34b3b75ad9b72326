package cpe

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// A device loaded from a dump sends each value with the xsi:type the dump
// recorded, spelt as the dump spells it ("xsd:unsignedint", "xsd:Int",
// "xsd:Boolean"), and its value whether or not the type allows it: real
// devices do both, and an ACS must cope. cwmp's encoder only writes what
// the CWMP schema allows, so the handler answers with the standard
// spelling (or xsd:string for a value its type refuses) and the session's
// transport puts the dump's spelling back on the wire (dumpWire). Only
// the xsi:type attribute of a ParameterValueStruct whose Name is a dump
// parameter changes; nothing else of the message does.

// Respelt is an optional Store interface: the parameters whose recorded
// xsi:type the encoder cannot send as recorded, with that type.
type Respelt interface {
	RespeltTypes() map[string]string
}

// RespeltTypes implements Respelt: the dump's types that differ from what
// value() sends, by instance path. Nil for a store not loaded from a dump.
// The map is shared: read only.
func (m *MemStore) RespeltTypes() map[string]string {
	if m.base.dump == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.vals) == 0 {
		// The dump's own values: the same for every device of the
		// profile (a cpe sim of thousands), computed once.
		d := m.base.dump
		d.respeltOnce.Do(func() { d.respelt = respelt(d.types, m.base.values, nil) })
		return d.respelt
	}
	return respelt(m.base.dump.types, m.base.values, m.vals)
}

// respelt is RespeltTypes of values set over base.
func respelt(types, base, set map[string]string) map[string]string {
	out := map[string]string{}
	for path, typ := range types {
		v, ok := set[path]
		if !ok {
			v = base[path]
		}
		if wireTypeName(typ, v) != typ {
			out[path] = typ
		}
	}
	return out
}

// dumpWire wraps rt so that the requests of a session carry the dump's
// type spellings (see above); rt itself when the store has none to put
// back.
func (a *Agent) dumpWire(rt http.RoundTripper) http.RoundTripper {
	rs, ok := a.cfg.Store.(Respelt)
	if !ok {
		return rt
	}
	types := rs.RespeltTypes()
	if len(types) == 0 {
		return rt
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &respellTransport{base: rt, types: types}
}

type respellTransport struct {
	base  http.RoundTripper
	types map[string]string
}

func (t *respellTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.ContentLength == 0 {
		return t.base.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	body = RespellTypes(body, t.types)
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.base.RoundTrip(req)
}

const (
	pvsOpen   = "<ParameterValueStruct><Name>"
	pvsTypeAt = `</Name><Value xsi:type="`
)

// nameUnescape undoes the escaping cwmp's encoder applies to a Name.
var nameUnescape = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#xD;", "\r")

// typeEscape escapes a recorded type name for an attribute value.
var typeEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\n", "&#xA;", "\r", "&#xD;", "\t", "&#x9;")

// RespellTypes rewrites, in a message cwmp's encoder wrote, the xsi:type
// of every ParameterValueStruct whose Name is a key of types to that
// type. The rest of msg is kept byte for byte.
func RespellTypes(msg []byte, types map[string]string) []byte {
	var out []byte
	last := 0
	for i := 0; ; {
		k := bytes.Index(msg[i:], []byte(pvsOpen))
		if k < 0 {
			break
		}
		nameAt := i + k + len(pvsOpen)
		k = bytes.Index(msg[nameAt:], []byte(pvsTypeAt))
		if k < 0 {
			break
		}
		nameEnd := nameAt + k
		typeAt := nameEnd + len(pvsTypeAt)
		k = bytes.IndexByte(msg[typeAt:], '"')
		if k < 0 {
			break
		}
		typeEnd := typeAt + k
		i = typeEnd
		name := string(msg[nameAt:nameEnd])
		if strings.IndexByte(name, '&') >= 0 {
			name = nameUnescape.Replace(name)
		}
		typ, ok := types[name]
		if !ok || typ == string(msg[typeAt:typeEnd]) {
			continue
		}
		out = append(out, msg[last:typeAt]...)
		out = append(out, typeEscape.Replace(typ)...)
		last = typeEnd
	}
	if out == nil {
		return msg
	}
	return append(out, msg[last:]...)
}
