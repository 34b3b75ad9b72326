package acsref

import (
	"net/http"
	"slices"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
)

// The NBI contract is written once, in nbiRoutes: NBIHandler builds its
// mux from it, /openapi.json is generated from it (openapi.go: schemas
// reflected from the Go types named here) and the route tests iterate it.
//
// Adding a route: append a Route to nbiRoutes, from any file of the
// package, in an init function:
//
//	func init() {
//		nbiRoutes = append(nbiRoutes, Route{Method: "GET", Pattern: "/conformance/runs",
//			OperationID: "listConformanceRuns", Summary: "…", Tag: "conformance",
//			Responses: []Response{{Status: 200, Body: []RunView{}}}, Handle: (*Server).listRuns})
//	}
//
// and give it a case in routes_test.go (TestNBIRoutesAgainstContract calls
// every route for every documented status).

// Access tells who may call a route (users_access.go).
type Access int

const (
	// AccessDefault: derived from the method and the tag (routeAccess):
	// GETs need the read-only role, device, task and file actions the
	// operator role, the rest the admin role.
	AccessDefault Access = iota
	// AccessPublic: anyone who reaches the NBI (the document, health).
	AccessPublic
	// AccessRead, AccessOperate, AccessAdmin: at least the read-only,
	// operator or admin role (the admin API key and the NBI token are
	// admin).
	AccessRead
	AccessOperate
	AccessAdmin
)

// Route is one operation of the NBI.
type Route struct {
	Method      string // GET, POST, PUT, DELETE
	Pattern     string // net/http pattern path: /devices/{id}, /files/{name...}
	OperationID string
	Summary     string
	Tag         string
	Access      Access
	// Params are the query and header parameters (path parameters come
	// from Pattern).
	Params []Param
	// Body is the request body; nil if none.
	Body *Body
	// Responses are the documented answers. A response of status ≥ 400
	// without Body is an APIError; every route also documents 401
	// and 403 (every route but AccessPublic) and a default APIError.
	Responses []Response
	// Handle answers the request; a returned error is answered by
	// Server.writeError (an APIError, a RuleError, policy.Errors or a
	// store error).
	Handle func(*Server, http.ResponseWriter, *http.Request) error
}

// Param is a query or header parameter.
type Param struct {
	Name string
	In   string // "query" (default) or "header"
	// Type is a Go value of the parameter's type ("" a string, 0 an
	// integer, false a boolean); nil is a string.
	Type        any
	Description string
	Required    bool
}

// Body is a request or response body: Type is a Go value of its type
// (reflected into a JSON schema), or a schemaType; ContentType is
// application/json unless set.
type Body struct {
	Type        any
	ContentType string
	Description string
}

// Response is one documented answer.
type Response struct {
	Status      int
	Description string
	// Body: nil for no body (2xx) or an APIError (≥ 400).
	Body *Body
	// Headers are the response headers the answer carries (In unused).
	Headers []Param
}

// ok is a 2xx response with a JSON body of v's type.
func ok(status int, v any) Response { return Response{Status: status, Body: &Body{Type: v}} }

// empty is a 2xx response without body.
func empty(status int) Response { return Response{Status: status} }

// fail is an error response (an APIError) with what it means.
func fail(status int, desc string) Response { return Response{Status: status, Description: desc} }

// jsonBody is a JSON request body of v's type.
func jsonBody(v any) *Body { return &Body{Type: v} }

// hETag is the ETag header of a stored file: its SHA-256, quoted (absent
// for files stored before checksums were kept).
var hETag = Param{Name: "ETag", Description: "the file's SHA-256 in hex, quoted"}

var (
	qLimit  = Param{Name: "limit", Type: 0, Description: "at most this many (0: all)"}
	qEvents = Param{Name: "events", Description: "comma-separated Inform events the planned session starts with (default 2 PERIODIC): BOOTSTRAP, BOOT, PERIODIC, VALUE CHANGE, …"}
	qKick   = Param{Name: "connection_request", Description: "present: send a connection request to the device once the tasks are queued"}
	qStatus = Param{Name: "status", Description: "comma-separated task states: pending, waiting, done, fault, cancelled"}
)

var (
	notFoundDevice = fail(http.StatusNotFound, "no such device")
	badArgument    = fail(http.StatusBadRequest, "a malformed argument")
)

// nbiRoutes is the NBI. Files of the package append to it in init (see
// the comment at the top of this file).
var nbiRoutes = []Route{
	{Method: "GET", Pattern: "/openapi.json", OperationID: "getOpenAPI", Summary: "This document (OpenAPI 3.1)", Tag: "meta", Access: AccessPublic,
		Responses: []Response{ok(200, schemaType{"type": "object"})}, Handle: (*Server).serveOpenAPI},
	{Method: "GET", Pattern: "/healthz", OperationID: "getHealth", Summary: "The process is up", Tag: "meta", Access: AccessPublic,
		Responses: []Response{ok(200, Health{})}, Handle: (*Server).healthz},
	{Method: "GET", Pattern: "/readyz", OperationID: "getReadiness", Summary: "The store is reachable (503 during a store outage)", Tag: "meta", Access: AccessPublic,
		Responses: []Response{ok(200, Health{}), {Status: 503, Description: "the store is unreachable",
			Headers: []Param{{Name: "Retry-After", Type: 0, Description: "seconds before asking again"}}}}, Handle: (*Server).readyz},
	{Method: "GET", Pattern: "/metrics", OperationID: "getMetrics", Summary: "Prometheus metrics (text exposition format)", Tag: "meta",
		Responses: []Response{{Status: 200, Body: &Body{Type: "", ContentType: "text/plain"}}}, Handle: (*Server).serveMetrics},

	{Method: "GET", Pattern: "/devices", OperationID: "listDevices", Summary: "List and filter devices", Tag: "devices",
		Params: []Param{
			{Name: "query", Description: "GenieACS MongoDB-style filter (JSON): fields _id, _tags, _lastInform, _registered, DeviceID.*, parameter paths; operators $eq $ne $gt $gte $lt $lte $in $nin $exists $regex $options $not $and $or $nor; anything else is refused (400)"},
			{Name: "projection", Description: "comma-separated fields (_id, _tags, _lastInform, _registered, _deviceId, DeviceID.*, parameter paths): answers GenieACS-shaped documents with only these"},
			{Name: "model", Description: "model name prefix, e.g. Device:2"},
			{Name: "productClass"}, {Name: "oui"}, {Name: "tag"},
			{Name: "lastInformSince", Description: "RFC 3339"}, {Name: "lastInformBefore", Description: "RFC 3339"},
			{Name: "online", Description: "true or false: last Inform within 2 of the device's PeriodicInformInterval + 1 min (1 h when the interval is unknown)"},
			qLimit,
		},
		Responses: []Response{{Status: 200, Description: "devices; with query or projection, GenieACS-shaped documents",
			Body: &Body{Type: []deviceOrDocument{}}}, fail(400, "a malformed query, projection or time")},
		Handle: (*Server).listDevices},
	{Method: "GET", Pattern: "/devices/{id}", OperationID: "getDevice", Summary: "One device", Tag: "devices",
		Responses: []Response{ok(200, store.Device{}), notFoundDevice}, Handle: (*Server).getDevice},
	{Method: "DELETE", Pattern: "/devices/{id}", OperationID: "deleteDevice", Summary: "Forget a device", Tag: "devices",
		Responses: []Response{empty(204), notFoundDevice}, Handle: (*Server).deleteDevice},
	{Method: "GET", Pattern: "/devices/{id}/parameters", OperationID: "listParameters", Summary: "Stored parameters with value, reported type and the model's type and access", Tag: "devices",
		Params: []Param{{Name: "prefix", Description: "only the parameters under this path"}},
		Responses: []Response{{Status: 200, Body: &Body{Type: []ParameterView{}}, Headers: []Param{{Name: HeaderRefreshTask, Type: 0,
			Description: "the refreshObject task queued to read values the ACS has not read yet (lazy discovery)"}}}, notFoundDevice},
		Handle: (*Server).getParameters},
	{Method: "POST", Pattern: "/devices/{id}/tasks", OperationID: "postTask", Summary: "Queue a task (checked against the device's data model)", Tag: "tasks",
		Params: []Param{qKick}, Body: jsonBody(TaskSpec{}),
		Responses: []Response{ok(202, TaskResponse{}), fail(400, "the data model refuses the task: the path and the rule it breaks"), notFoundDevice,
			fail(409, "the device is bound to no known data model")},
		Handle: (*Server).postTask},
	{Method: "GET", Pattern: "/devices/{id}/tasks", OperationID: "listDeviceTasks", Summary: "The device's tasks", Tag: "tasks",
		Params: []Param{qStatus}, Responses: []Response{ok(200, []*store.Task{})}, Handle: (*Server).listDeviceTasks},
	{Method: "POST", Pattern: "/devices/{id}/probe", OperationID: "postProbe", Tag: "conformance",
		Summary: "Queue a conformance probe: negative tests picked from the device's discovered parameters (unknown names, read-only writes, wrong types, out-of-range, non-enumerated and too-long values, denied notification, tables), each write followed by a restore",
		Params:  []Param{qKick}, Responses: []Response{ok(202, ProbeResponse{}), notFoundDevice, fail(409, "the device is not discovered yet, or bound to no known model")},
		Handle: (*Server).postProbe},
	{Method: "GET", Pattern: "/devices/{id}/probe", OperationID: "getProbe", Tag: "conformance",
		Summary:   "The latest probe's report: each check's expected and received fault, and whether it conforms",
		Responses: []Response{ok(200, ProbeReport{}), notFoundDevice}, Handle: (*Server).getProbe},
	{Method: "GET", Pattern: "/devices/{id}/conformance", OperationID: "getConformance", Summary: "Conformance findings: where the device breaks its data model", Tag: "conformance",
		Responses: []Response{ok(200, Conformance{}), notFoundDevice}, Handle: (*Server).getConformance},
	{Method: "GET", Pattern: "/devices/{id}/discovery", OperationID: "getDiscovery", Tag: "devices",
		Summary:   "The device's discovery strategy: its override, its product class's, what it taught, the effective one",
		Responses: []Response{ok(200, DiscoveryView{}), notFoundDevice}, Handle: (*Server).getDiscovery},
	{Method: "PUT", Pattern: "/devices/{id}/discovery", OperationID: "putDiscovery", Tag: "devices",
		Summary: "Set the device's discovery override", Body: jsonBody(DiscoveryStrategy{}),
		Responses: []Response{empty(204), fail(400, "an unknown key or a bad value"), notFoundDevice}, Handle: (*Server).putDiscovery},
	{Method: "DELETE", Pattern: "/devices/{id}/discovery", OperationID: "deleteDiscovery", Summary: "Forget the device's override and what it taught", Tag: "devices",
		Responses: []Response{empty(204), notFoundDevice}, Handle: (*Server).putDiscovery},
	{Method: "GET", Pattern: "/devices/{id}/faults", OperationID: "listDeviceFaults", Summary: "The device's faults, newest first", Tag: "faults",
		Params: []Param{qLimit}, Responses: []Response{ok(200, []store.Fault{})}, Handle: (*Server).listFaults},
	{Method: "POST", Pattern: "/devices/{id}/tags/{tag}", OperationID: "tagDevice", Summary: "Tag a device", Tag: "devices",
		Responses: []Response{empty(204), notFoundDevice}, Handle: (*Server).tagDevice},
	{Method: "DELETE", Pattern: "/devices/{id}/tags/{tag}", OperationID: "untagDevice", Summary: "Untag a device", Tag: "devices",
		Responses: []Response{empty(204), notFoundDevice}, Handle: (*Server).untagDevice},
	{Method: "GET", Pattern: "/devices/{id}/plan", OperationID: "planDevice", Summary: "Dry run: the RPCs the device's next session would send for the policies", Tag: "policies",
		Params: []Param{qEvents}, Responses: []Response{ok(200, DevicePlan{}), fail(400, "an unknown event"), notFoundDevice}, Handle: (*Server).planDevice},
	{Method: "GET", Pattern: "/devices/{id}/policies", OperationID: "getDevicePolicies", Summary: "The device's policy states and virtual parameters", Tag: "policies",
		Responses: []Response{ok(200, DevicePolicies{}), notFoundDevice}, Handle: (*Server).devicePolicies},

	{Method: "GET", Pattern: "/tasks", OperationID: "listTasks", Summary: "List tasks", Tag: "tasks",
		Params: []Param{{Name: "device", Description: "only this device's"}, qStatus}, Responses: []Response{ok(200, []*store.Task{})}, Handle: (*Server).listTasks},
	{Method: "GET", Pattern: "/tasks/{tid}", OperationID: "getTask", Summary: "One task", Tag: "tasks",
		Responses: []Response{ok(200, store.Task{}), fail(400, "task ids are integers"), fail(404, "no such task")}, Handle: (*Server).getTask},
	{Method: "DELETE", Pattern: "/tasks/{tid}", OperationID: "cancelTask", Summary: "Cancel a pending or waiting task", Tag: "tasks",
		Responses: []Response{ok(200, store.Task{}), fail(400, "task ids are integers"), fail(404, "no such task"), fail(409, "the task is done, faulted or cancelled")},
		Handle:    (*Server).deleteTask},
	{Method: "GET", Pattern: "/faults", OperationID: "listFaults", Summary: "Faults of all devices, newest first", Tag: "faults",
		Params: []Param{{Name: "device", Description: "only this device's"}, qLimit}, Responses: []Response{ok(200, []store.Fault{})}, Handle: (*Server).listFaults},

	{Method: "GET", Pattern: "/files", OperationID: "listFiles", Summary: "Files served for Download", Tag: "files",
		Responses: []Response{ok(200, []*store.File{})}, Handle: (*Server).listFiles},
	{Method: "PUT", Pattern: "/files/{name}", OperationID: "putFile", Summary: "Store a file; metadata in the fileType, oui, productClass and version headers (as GenieACS), applicability in oui, productClass, modelName and fromVersions (firmware.go)", Tag: "files",
		Params: []Param{{Name: "fileType", In: "header", Description: "e.g. 1 Firmware Upgrade Image"}, {Name: "oui", In: "header", Description: "only for devices of this OUI"},
			{Name: "productClass", In: "header", Description: "only for devices of this product class"}, {Name: "version", In: "header"},
			{Name: "modelName", In: "header", Description: "only for devices whose DeviceInfo.ModelName is this"},
			{Name: "fromVersions", In: "header", Description: "comma-separated software versions the image installs over"}},
		Body: &Body{Type: []byte{}, ContentType: "application/octet-stream"},
		Responses: []Response{ok(201, store.File{}), fail(400, "a file name with '/', '..' or control characters"),
			fail(413, "the file is larger than the ACS's limit")},
		Handle: (*Server).putFile},
	{Method: "GET", Pattern: "/files/{name...}", OperationID: "getFile", Summary: "The file's content (CPEs fetch it from the CWMP endpoint at /files/{name})", Tag: "files",
		Responses: []Response{{Status: 200, Body: &Body{Type: []byte{}, ContentType: "application/octet-stream"}, Headers: []Param{hETag}},
			{Status: 206, Description: "the byte range asked for with Range", Body: &Body{Type: []byte{}, ContentType: "application/octet-stream"},
				Headers: []Param{hETag, {Name: "Content-Range", Description: "the range sent: bytes first-last/size"}}},
			{Status: 304, Description: "If-None-Match names the file's ETag (its SHA-256)", Headers: []Param{hETag}}, fail(404, "no such file")}, Handle: (*Server).getFile},
	{Method: "DELETE", Pattern: "/files/{name...}", OperationID: "deleteFile", Summary: "Delete a file", Tag: "files",
		Responses: []Response{empty(204), fail(404, "no such file")}, Handle: (*Server).deleteFile},

	{Method: "PUT", Pattern: "/credentials/{user}", OperationID: "putCredential", Summary: "Set a per-device CPE credential (used when per-device authentication is on)", Tag: "credentials",
		Body: jsonBody(CredentialRequest{}), Responses: []Response{empty(204), fail(400, "no password, or a reserved user name")}, Handle: (*Server).putCredential},
	{Method: "DELETE", Pattern: "/credentials/{user}", OperationID: "deleteCredential", Summary: "Delete a per-device CPE credential", Tag: "credentials",
		Responses: []Response{empty(204), fail(404, "no such credential")}, Handle: (*Server).deleteCredential},

	{Method: "POST", Pattern: "/policies", OperationID: "applyPolicies", Summary: "Apply policy and group documents (YAML or JSON); all or none are stored", Tag: "policies",
		Body:      &Body{Type: "", ContentType: "application/yaml", Description: "one or more documents (kind Policy or Group), YAML or JSON"},
		Responses: []Response{ok(200, Applied{}), fail(400, "the documents are refused: errors lists each with policy, line, path and rule")}, Handle: (*Server).applyPolicies},
	{Method: "GET", Pattern: "/policies", OperationID: "listPolicies", Summary: "Policy and group documents with their device state counts", Tag: "policies",
		Responses: []Response{ok(200, []*PolicyView{})}, Handle: (*Server).listPolicies},
	{Method: "GET", Pattern: "/policies/{name}", OperationID: "getPolicy", Summary: "One document, its source and counts", Tag: "policies",
		Responses: []Response{ok(200, PolicyView{}), fail(404, "no such policy")}, Handle: (*Server).getPolicy},
	{Method: "DELETE", Pattern: "/policies/{name}", OperationID: "deletePolicy", Summary: "Delete a document", Tag: "policies",
		Responses: []Response{empty(204), fail(404, "no such policy"), fail(409, "other policies read its virtual parameter or name its group: errors lists them")},
		Handle:    (*Server).deletePolicy},
	{Method: "GET", Pattern: "/policies/{name}/plan", OperationID: "planPolicy", Summary: "Dry run over the devices: how many match and what their next sessions would send", Tag: "policies",
		Params: []Param{qEvents}, Responses: []Response{ok(200, PolicyPlan{}), fail(400, "an unknown event"), fail(404, "no such policy")}, Handle: (*Server).planPolicy},
	{Method: "GET", Pattern: "/groups", OperationID: "listGroups", Summary: "Groups (documents of kind Group) with member counts", Tag: "policies",
		Responses: []Response{ok(200, []*GroupView{})}, Handle: (*Server).listGroups},
	{Method: "GET", Pattern: "/groups/{name}", OperationID: "getGroup", Summary: "One group's counts and member ids", Tag: "policies",
		Params: []Param{{Name: "limit", Type: 0, Description: "at most this many member ids (default 1000)"}}, Responses: []Response{ok(200, GroupView{}), fail(404, "no such group")},
		Handle: (*Server).getGroup},

	{Method: "POST", Pattern: "/campaigns", OperationID: "postCampaign", Summary: "Start a campaign (firmware, a task or a policy) over a group's members, in growing waves", Tag: "campaigns",
		Body:      jsonBody(CampaignRequest{}),
		Responses: []Response{ok(201, CampaignView{}), fail(400, "a bad field, an unknown file or group")}, Handle: (*Server).postCampaign},
	{Method: "GET", Pattern: "/campaigns", OperationID: "listCampaigns", Summary: "Campaigns and their progress", Tag: "campaigns",
		Responses: []Response{ok(200, []*CampaignView{})}, Handle: (*Server).listCampaigns},
	{Method: "GET", Pattern: "/campaigns/{name}", OperationID: "getCampaign", Summary: "One campaign with each device's state", Tag: "campaigns",
		Responses: []Response{ok(200, CampaignView{}), fail(404, "no such campaign")}, Handle: (*Server).getCampaign},
	{Method: "POST", Pattern: "/campaigns/{name}/{action}", OperationID: "controlCampaign", Summary: "Pause, resume or abort a campaign (action: pause, resume, abort)", Tag: "campaigns",
		Responses: []Response{ok(200, CampaignView{}), fail(400, "an unknown action"), fail(404, "no such campaign"), fail(409, "the campaign's state does not allow it")},
		Handle:    (*Server).controlCampaign},
	{Method: "DELETE", Pattern: "/campaigns/{name}", OperationID: "deleteCampaign", Summary: "Forget a campaign", Tag: "campaigns",
		Responses: []Response{empty(204), fail(404, "no such campaign")}, Handle: (*Server).deleteCampaign},
}

// deviceOrDocument is an entry of GET /devices: a Device, or with
// ?query or ?projection a GenieACS-shaped document.
type deviceOrDocument struct{}

// pathParamDocs describe the path parameters by name.
var pathParamDocs = map[string]string{
	"id":     "device id (OUI-ProductClass-SerialNumber), URL-escaped",
	"tid":    "task id",
	"tag":    "tag name",
	"name":   "name",
	"user":   "CPE user name",
	"action": "pause, resume or abort",
}

// routeKey is a route's mux pattern.
func (rt *Route) routeKey() string { return rt.Method + " " + rt.Pattern }

// NBIHandler is the northbound REST/JSON interface, built from nbiRoutes.
// Every error, an unknown route's 404 and a wrong method's 405 included,
// is an APIError written by Server.writeError.
func (s *Server) NBIHandler() http.Handler {
	mux := http.NewServeMux()
	public := map[string]bool{}
	for i := range nbiRoutes {
		rt := nbiRoutes[i]
		mux.Handle(rt.routeKey(), s.routeHandler(&rt))
		if rt.Access == AccessPublic {
			public[rt.routeKey()] = true
		}
	}
	guarded := s.nbiGuard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveRoute(mux, w, r) }))
	ui := s.UIHandler() // the web UI (ui.go): its own login
	return s.accessLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, "/ui/") {
			ui.ServeHTTP(w, r)
			return
		}
		if _, pattern := mux.Handler(r); public[pattern] {
			mux.ServeHTTP(w, r)
			return
		}
		guarded.ServeHTTP(w, r)
	}))
}

func (s *Server) routeHandler(rt *Route) http.Handler {
	h := rt.Handle
	return s.guardRoute(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(s, w, r); err != nil {
			s.writeError(w, err)
		}
	}))
}

// serveRoute serves a request the mux has a route for, and answers the
// others (unknown path, wrong method) with an APIError instead of the
// mux's plain text. Redirects (a path to clean) pass through.
func (s *Server) serveRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	h, pattern := mux.Handler(r)
	if pattern != "" {
		mux.ServeHTTP(w, r)
		return
	}
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		allow := rec.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeAPIError(w, apiErr(http.StatusMethodNotAllowed, RuleMethodNotAllowed, r.Method+" "+r.URL.Path+": the NBI allows "+allow))
	case http.StatusNotFound, 0:
		writeAPIError(w, apiErr(http.StatusNotFound, RuleNotFound, "no route "+r.Method+" "+r.URL.Path+" (the routes are in /openapi.json)"))
	default:
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
	}
}

// headerRecorder keeps the status and headers the mux's own answer sets,
// and drops its plain-text body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }
func (h *headerRecorder) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
func (h *headerRecorder) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return len(b), nil
}

// routePathParams are the names of a pattern's path parameters.
func routePathParams(pattern string) []string {
	var out []string
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return out
}

// openAPIPath is a pattern as an OpenAPI path ({name...} → {name}).
func openAPIPath(pattern string) string { return strings.ReplaceAll(pattern, "...}", "}") }

// sortedRoutes are nbiRoutes by path, then method.
func sortedRoutes() []Route {
	rs := slices.Clone(nbiRoutes)
	slices.SortStableFunc(rs, func(a, b Route) int {
		if c := strings.Compare(openAPIPath(a.Pattern), openAPIPath(b.Pattern)); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return rs
}
