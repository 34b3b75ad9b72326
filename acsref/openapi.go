package acsref

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// The OpenAPI 3.1 document of the NBI, generated from nbiRoutes: the
// operations, their parameters and responses, and the JSON schemas
// (2020-12) of the Go types the routes name, reflected as encoding/json
// writes them.

// schemaType is a literal JSON schema, for a body no Go type describes.
type schemaType map[string]any

// openAPIDocument is the document, built once, on first use: after every
// file's init has added its routes. (Set in init: nbiRoutes refers to
// serveOpenAPI, which cannot refer back to nbiRoutes in an initializer.)
var openAPIDocument func() ([]byte, error)

func init() {
	openAPIDocument = sync.OnceValues(func() ([]byte, error) {
		return json.MarshalIndent(buildOpenAPI(sortedRoutes()), "", " ")
	})
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	b, err := openAPIDocument()
	if err != nil {
		return fmt.Errorf("acsref: generating the OpenAPI document: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
	return nil
}

const errorRef = "#/components/schemas/APIError"

func buildOpenAPI(routes []Route) map[string]any {
	g := newSchemaGen()
	g.ref(reflect.TypeFor[APIError]())
	paths := map[string]map[string]any{}
	for i := range routes {
		rt := &routes[i]
		p := openAPIPath(rt.Pattern)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = g.operation(rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "dmforge reference ACS NBI",
			"version": "2.0",
			"description": "Northbound REST/JSON interface of dmforge acs. Task bodies use GenieACS's NBI shapes. Every task is checked " +
				"against the BBF data model bound to the device before it is queued; a refused task gets 400 with the path and the rule it breaks. " +
				"Every request but the public ones (this document, /healthz, /readyz) needs Authorization: Bearer <admin API key or token>. " +
				"Every error, an unknown route's 404 and a wrong method's 405 included, is an APIError.",
		},
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         g.components,
		},
		"paths": paths,
	}
}

func (g *schemaGen) operation(rt *Route) map[string]any {
	op := map[string]any{"operationId": rt.OperationID, "summary": rt.Summary}
	if rt.Tag != "" {
		op["tags"] = []string{rt.Tag}
	}
	if rt.Access == AccessPublic {
		op["security"] = []any{}
	} else {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	var params []any
	for _, name := range routePathParams(rt.Pattern) {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true,
			"description": pathParamDocs[name], "schema": map[string]any{"type": "string"}})
	}
	for _, p := range rt.Params {
		in := p.In
		if in == "" {
			in = "query"
		}
		typ := p.Type
		if typ == nil {
			typ = ""
		}
		m := map[string]any{"name": p.Name, "in": in, "schema": g.schema(reflect.TypeOf(typ))}
		if p.Description != "" {
			m["description"] = p.Description
		}
		if p.Required {
			m["required"] = true
		}
		params = append(params, m)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if rt.Body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": g.content(rt.Body, true)}
		if rt.Body.Description != "" {
			op["requestBody"].(map[string]any)["description"] = rt.Body.Description
		}
	}
	responses := map[string]any{}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": errorRef}}}}
	}
	for _, r := range rt.Responses {
		desc := r.Description
		if desc == "" {
			desc = http.StatusText(r.Status)
		}
		var resp map[string]any
		switch {
		case r.Body != nil:
			resp = map[string]any{"description": desc, "content": g.content(r.Body, false)}
		case r.Status >= 400:
			resp = errResp(desc)
		default:
			resp = map[string]any{"description": desc}
		}
		if len(r.Headers) > 0 {
			headers := map[string]any{}
			for _, h := range r.Headers {
				typ := h.Type
				if typ == nil {
					typ = ""
				}
				headers[h.Name] = map[string]any{"description": h.Description, "schema": g.schema(reflect.TypeOf(typ))}
			}
			resp["headers"] = headers
		}
		responses[strconv.Itoa(r.Status)] = resp
	}
	if routeAccess(rt) != AccessPublic {
		responses["401"] = errResp("no valid bearer token")
		if _, ok := responses["403"]; !ok {
			responses["403"] = errResp("the user's role (" + accessRole(routeAccess(rt)) + " needed) or scope does not allow it")
		}
	}
	responses["default"] = errResp("an error: 403 cross-site request, 404 unknown route, 405 wrong method, 421 unknown host, 500 store error, …")
	op["responses"] = responses
	return op
}

// content is a body's content; input: a request's (see schemaGen.in).
func (g *schemaGen) content(b *Body, input bool) map[string]any {
	ct := b.ContentType
	if ct == "" {
		ct = "application/json"
	}
	var sch map[string]any
	if st, ok := b.Type.(schemaType); ok {
		sch = st
	} else if ct == "application/json" && input {
		sch = g.input().schema(reflect.TypeOf(b.Type))
	} else if ct == "application/json" {
		sch = g.schema(reflect.TypeOf(b.Type))
	} else {
		sch = map[string]any{"type": "string"}
		if _, bin := b.Type.([]byte); bin {
			sch["contentMediaType"] = ct
		}
	}
	return map[string]any{ct: map[string]any{"schema": sch}}
}

// schemaGen reflects Go types into JSON schemas; named struct types
// become components.
//
// The schemas of request bodies (in, made by input) have components of
// their own, named …Input unless the type is a …Request: decoding JSON
// into a Go value requires no field, so only the fields requiredInput
// names are required, and null is not written by clients.
type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string
	taken      map[string]reflect.Type
	in         bool
	inGen      *schemaGen // the request bodies' generator
}

func newSchemaGen() *schemaGen {
	return &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
}

// input is the generator of request bodies, sharing the components.
func (g *schemaGen) input() *schemaGen {
	if g.inGen == nil {
		g.inGen = &schemaGen{components: g.components, names: map[reflect.Type]string{}, taken: g.taken, in: true}
	}
	return g.inGen
}

// requiredInput are the fields the handlers refuse a request body
// without.
var requiredInput = map[reflect.Type][]string{
	reflect.TypeFor[TaskSpec]():          {"name"},
	reflect.TypeFor[CredentialRequest](): {"password"},
	reflect.TypeFor[CampaignRequest]():   {"first", "group", "name", "within"},
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	durationType   = reflect.TypeFor[time.Duration]()
	deviceListType = reflect.TypeFor[deviceOrDocument]()
)

// schema is the JSON schema of values of t as encoding/json writes them.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawMessageType:
		return map[string]any{"description": "any JSON value"}
	case durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case deviceListType:
		return map[string]any{"anyOf": []any{g.ref(reflect.TypeFor[store.Device]()),
			map[string]any{"type": "object", "description": "a GenieACS-shaped document (?query, ?projection)"}}}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		return g.ref(t)
	}
	return map[string]any{} // interfaces: any JSON value
}

// ref makes t a component and refers to it.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = t.Name()
		if t == reflect.TypeFor[policy.Error]() {
			name = "PolicyError" // "Error" alone reads as the NBI's
		}
		if g.in && !strings.HasSuffix(name, "Request") {
			name += "Input"
		}
		if other, clash := g.taken[name]; clash && other != t {
			pkg := path.Base(t.PkgPath())
			name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
		}
		g.names[t], g.taken[name] = name, t
		g.components[name] = map[string]any{} // placeholder: recursive types
		g.components[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// object is the schema of a struct: its JSON fields (embedded structs'
// promoted), required unless omitempty/omitzero, null allowed where
// encoding/json writes null (nil slices, maps and pointers).
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	if g.in {
		required = slices.Clone(requiredInput[t])
	}
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	if !g.in {
		// An answer has exactly the fields of its Go type.
		out["additionalProperties"] = false
	}
	return out
}

// fieldSchema types the raw JSON fields of stored records: a task's
// spec is its checked TaskSpec, its result a TaskResult (a negative
// test's a NegativeResult). nil: the field's Go type says.
func (g *schemaGen) fieldSchema(t reflect.Type, name string) map[string]any {
	if t == reflect.TypeFor[TaskSpec]() && name == "parameterValues" {
		// GenieACS's [path, value, "xsd:type"]: the value a JSON string,
		// number or boolean (valueString), the type optional.
		return map[string]any{"type": "array", "items": map[string]any{"type": "array", "minItems": 2, "maxItems": 3,
			"prefixItems": []any{map[string]any{"type": "string"}, map[string]any{"type": []string{"string", "number", "boolean"}},
				map[string]any{"type": "string"}}}}
	}
	if t != reflect.TypeFor[store.Task]() || g.in {
		return nil
	}
	switch name {
	case "spec":
		return g.schema(reflect.TypeFor[TaskSpec]())
	case "result":
		return map[string]any{"anyOf": []any{g.schema(reflect.TypeFor[TaskResult]()), g.schema(reflect.TypeFor[NegativeResult]())}}
	}
	return nil
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				g.fields(et, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		sch := g.fieldSchema(t, name)
		if sch == nil {
			sch = g.schema(ft)
		}
		if strings.Contains(","+opts+",", ",string,") {
			sch = map[string]any{"type": "string"}
		}
		if !omit && !g.in {
			*required = append(*required, name)
			switch ft.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
				if ft != rawMessageType {
					sch = nullable(sch)
				}
			}
		}
		props[name] = sch
	}
}

// nullable also allows null.
func nullable(s map[string]any) map[string]any {
	if t, ok := s["type"].(string); ok {
		c := map[string]any{}
		for k, v := range s {
			c[k] = v
		}
		c["type"] = []string{t, "null"}
		return c
	}
	if len(s) == 0 {
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}
