package acsref

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/model"
)

func init() {
	nbiRoutes = append(nbiRoutes, Route{Method: "POST", Pattern: "/devices/{id}/connection-request", OperationID: "summonDevice",
		Summary: "Send the device a connection request (it opens a session soon)", Tag: "devices",
		Responses: []Response{ok(200, SummonResponse{}), notFoundDevice}, Handle: (*Server).summonDevice})
}

// SummonResponse is the answer to POST /devices/{id}/connection-request.
type SummonResponse struct {
	ConnectionRequest string `json:"connectionRequest"` // "ok", "sent (UDP)", "in session" or the error
}

func (s *Server) summonDevice(w http.ResponseWriter, r *http.Request) error {
	d, err := s.device(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	writeJSON(w, http.StatusOK, SummonResponse{ConnectionRequest: s.kick(r.Context(), d.ID)})
	return nil
}

var uiFuncs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"pathEscape":  url.PathEscape,
	"queryEscape": url.QueryEscape,
	"json": func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	},
	"isAdmin": func(p Principal) bool { return p.Role == store.RoleAdmin },
	// devicesURL is the devices page with a query string (a saved filter,
	// the CSV link): parsed and encoded again here, so that it is whole
	// (html/template would escape its = and & as one query value).
	"devicesURL": func(query string, extra ...string) template.URL {
		q, _ := url.ParseQuery(query)
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		if len(q) == 0 {
			return "/ui/devices"
		}
		return template.URL("/ui/devices?" + q.Encode())
	},
	"actions": func() []string { return []string{"pause", "resume", "abort"} },
}

// ---- overview ----

type countRow struct {
	Name  string
	Count int
}

func countBy(ds []*store.Device, key func(*store.Device) string) []countRow {
	m := map[string]int{}
	for _, d := range ds {
		m[key(d)]++
	}
	out := make([]countRow, 0, len(m))
	for k, v := range m {
		out = append(out, countRow{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (s *Server) uiOverview(w http.ResponseWriter, r *http.Request, se *uiSession) {
	ds, err := s.uiDeviceList(r, se, uiDeviceQuery{})
	if err != nil {
		s.render(w, r, se, "overview", map[string]any{"LoadErr": err.Error()})
		return
	}
	online, lastMinute := 0, 0
	now := time.Now()
	on, err := s.onlineOf(r.Context(), ds, now)
	if err != nil {
		s.log.Error("acs: ui: online status", "err", err)
	}
	for i, d := range ds {
		if on != nil && on[i] {
			online++
		}
		if now.Sub(d.LastInform) < time.Minute {
			lastMinute++
		}
	}
	data := map[string]any{"Devices": len(ds), "Online": online, "LastMinute": lastMinute,
		"ByModel":   countBy(ds, func(d *store.Device) string { return d.Model }),
		"ByClass":   countBy(ds, func(d *store.Device) string { return d.ProductClass }),
		"BySoftVer": countBy(ds, func(d *store.Device) string { return d.SoftwareVer })}
	if se.p.Scope == "" {
		if fs, err := s.st.Faults(r.Context(), "", 10); err == nil {
			data["Faults"] = fs
		}
		if fd, err := s.st.FindingDevices(r.Context()); err == nil {
			data["FindingDevices"] = len(fd)
		}
	}
	s.render(w, r, se, "overview", data)
}

// ---- devices ----

// uiDeviceQuery is the devices page's filter.
type uiDeviceQuery struct {
	ID, Tag, Model, ProductClass, Software string
	// Query is a GenieACS-style filter on parameter values (JSON, as
	// GET /devices?query=).
	Query string
	// Group is a device group (a saved filter: kind Group documents).
	Group string
	// VName and VValue filter by a virtual parameter's value (policy
	// documents of kind Virtual), as the device's known state gives it.
	VName, VValue string
	// Online is "online", "offline" or "" (ui_online.go's rule).
	Online string
}

func deviceQueryOf(r *http.Request) uiDeviceQuery {
	q := r.URL.Query()
	return uiDeviceQuery{ID: strings.TrimSpace(q.Get("id")), Tag: q.Get("tag"), Model: q.Get("model"),
		ProductClass: q.Get("productClass"), Software: q.Get("software"), Query: strings.TrimSpace(q.Get("query")), Group: q.Get("group"),
		VName: q.Get("vparam"), VValue: q.Get("vvalue"), Online: q.Get("online")}
}

// uiDeviceList is the devices the session's user may see that match q:
// the store filters model, product class and tag; the id (a substring)
// and software version (a prefix) are matched here.
func (s *Server) uiDeviceList(r *http.Request, se *uiSession, q uiDeviceQuery) ([]*store.Device, error) {
	ds, err := s.st.Devices(r.Context(), store.DeviceFilter{Model: q.Model, ProductClass: q.ProductClass, Tag: q.Tag})
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	var matching map[string]bool
	if q.Query != "" {
		// The parameter-value filter is the NBI's (genieacs_query.go).
		var docs []map[string]any
		if err := s.uiCall(r, se, "GET", "/devices?projection=_id&query="+url.QueryEscape(q.Query), nil, &docs); err != nil {
			return nil, err
		}
		matching = map[string]bool{}
		for _, doc := range docs {
			if id, ok := doc["_id"].(string); ok {
				matching[id] = true
			}
		}
	}
	out := ds[:0]
	for _, d := range ds {
		if matching != nil && !matching[d.ID] {
			continue
		}
		if q.ID != "" && !strings.Contains(d.ID, q.ID) {
			continue
		}
		if q.Software != "" && !strings.HasPrefix(d.SoftwareVer, q.Software) {
			continue
		}
		in := true
		for _, g := range []string{se.p.Scope, q.Group} {
			if g != "" && in {
				if ok, err := s.inScope(r.Context(), g, d); err != nil || !ok {
					in = false
				}
			}
		}
		if in {
			out = append(out, d)
		}
	}
	return s.uiFilterMore(r, q, out)
}

// uiDeviceRows bounds the rows of the devices page (the CSV has all).
const uiDeviceRows = 500

func (s *Server) uiDevices(w http.ResponseWriter, r *http.Request, se *uiSession) {
	q := deviceQueryOf(r)
	ds, err := s.uiDeviceList(r, se, q)
	if err != nil {
		msg := "devices: store error (details in the ACS log)"
		if ue, ok := err.(*uiError); ok {
			msg = "filter: " + ue.Error()
		} else {
			s.log.Error("acs: ui: devices", "err", err)
		}
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, se, "devices", map[string]any{"Q": q, "LoadErr": msg, "Total": 0, "Shown": 0, "Query": savedQuery(r.URL.Query())})
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename="devices.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"id", "oui", "productClass", "serialNumber", "manufacturer", "model", "softwareVersion", "lastInform", "tags"})
		for _, d := range ds {
			_ = cw.Write([]string{csvSafe(d.ID), csvSafe(d.OUI), csvSafe(d.ProductClass), csvSafe(d.SerialNumber), csvSafe(d.Manufacturer),
				d.Model, csvSafe(d.SoftwareVer), d.LastInform.Format(time.RFC3339), csvSafe(strings.Join(d.Tags, " "))})
		}
		cw.Flush()
		return
	}
	var groups []string
	if set, err := s.policySet(r.Context()); err == nil && set != nil {
		for g := range set.Groups {
			groups = append(groups, g)
		}
		sort.Strings(groups)
	}
	total := len(ds)
	if len(ds) > uiDeviceRows {
		ds = ds[:uiDeviceRows]
	}
	rows := make([]uiDeviceRow, len(ds))
	on, err := s.onlineOf(r.Context(), ds, time.Now())
	if err != nil {
		s.log.Error("acs: ui: online status", "err", err)
	}
	for i, d := range ds {
		rows[i].Device = d
		rows[i].Online = on != nil && on[i]
	}
	filters, err := s.st.SavedFilters(r.Context(), se.p.Name)
	if err != nil {
		s.log.Error("acs: ui: saved filters", "err", err)
	}
	s.render(w, r, se, "devices", map[string]any{"Q": q, "List": rows, "Total": total, "Shown": len(ds), "Query": savedQuery(r.URL.Query()),
		"Groups": groups, "Virtuals": s.virtualNames(r), "Filters": filters})
}

// uiBulk runs an action on the selected devices, each through the route
// table (each one checked and audited).
func (s *Server) uiBulk(w http.ResponseWriter, r *http.Request, se *uiSession) {
	ids := r.PostForm["device"]
	action, tag := r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("tag"))
	ret := "/ui/devices?" + r.PostFormValue("query")
	if len(ids) == 0 {
		back(w, r, ret, "", fmt.Errorf("no device selected"))
		return
	}
	var spec json.RawMessage
	if action == "task" {
		spec = json.RawMessage(r.PostFormValue("spec"))
		if !json.Valid(spec) {
			back(w, r, ret, "", fmt.Errorf("the task is not JSON"))
			return
		}
	}
	if action == "campaign" {
		s.uiBulkCampaign(w, r, se, ids, ret)
		return
	}
	if (action == "tag" || action == "untag") && tag == "" {
		back(w, r, ret, "", fmt.Errorf("no tag given"))
		return
	}
	done := 0
	var errs []string
	for _, id := range ids {
		dev := "/devices/" + url.PathEscape(id)
		var err error
		switch action {
		case "tag":
			err = s.uiCall(r, se, "POST", dev+"/tags/"+url.PathEscape(tag), nil, nil)
		case "untag":
			err = s.uiCall(r, se, "DELETE", dev+"/tags/"+url.PathEscape(tag), nil, nil)
		case "summon":
			err = s.uiCall(r, se, "POST", dev+"/connection-request", nil, nil)
		case "reboot":
			err = s.uiCall(r, se, "POST", dev+"/tasks?connection_request", TaskSpec{Name: "reboot"}, nil)
		case "task":
			err = s.uiCall(r, se, "POST", dev+"/tasks?connection_request", spec, nil)
		default:
			back(w, r, ret, "", fmt.Errorf("unknown action %q", action))
			return
		}
		if err != nil {
			errs = append(errs, id+": "+err.Error())
		} else {
			done++
		}
	}
	msg := fmt.Sprintf("%s: done on %d of %d devices", action, done, len(ids))
	if len(errs) > 0 {
		back(w, r, ret, "", fmt.Errorf("%s; %s", msg, strings.Join(errs[:min(len(errs), 5)], "; ")))
		return
	}
	back(w, r, ret, msg, nil)
}

// ---- one device ----

// uiParam is one row of the parameter tree.
type uiParam struct {
	store.Parameter
	Depth      int
	Leaf       string // the last name segment
	Instance   bool   // an instance object (…Table.3.): it may be deleted
	Table      bool   // a table's object (…Table.{i}. in the model): instances may be added
	Entry      *model.Entry
	Model      string
	Wire       string // the model's wire type
	Facets     string // the model's type with ranges, sizes, enumerations, units
	Writable   bool
	Enums      []string
	Ranges     string // "min:max,min:max" for the page's check
	Sizes      string
	Type       string // base type for the page's check
	List       bool
	Patterns   string // JSON: the patterns for the page's check (uiPatterns)
	ListFacets        // a list's size and item counts
}

func facets(sx *model.Syntax) (desc, ranges, sizes string, enums []string) {
	var parts []string
	t := string(sx.Type)
	if sx.DataType != "" {
		t += " (" + sx.DataType + ")"
	}
	if sx.List != nil {
		t = "list of " + t
	}
	parts = append(parts, t)
	var rs, shown []string // for the page's check (with any step), for people
	for _, r := range sx.Ranges {
		text := r.Min + ":" + r.Max
		if r.Step != "" && r.Step != "1" {
			text += " step " + r.Step
		}
		shown = append(shown, text)
		if r.Step != "" {
			rs = append(rs, r.Min+":"+r.Max+":"+r.Step)
		} else {
			rs = append(rs, r.Min+":"+r.Max)
		}
	}
	if len(rs) > 0 {
		ranges = strings.Join(rs, ",")
		parts = append(parts, "range ["+strings.Join(shown, "] [")+"]")
	}
	var ss []string
	for _, z := range sx.Sizes {
		lo, hi := "", ""
		if z.Min != nil {
			lo = strconv.FormatUint(*z.Min, 10)
		}
		if z.Max != nil {
			hi = strconv.FormatUint(*z.Max, 10)
		}
		ss = append(ss, lo+":"+hi)
	}
	if len(ss) > 0 {
		sizes = strings.Join(ss, ",")
		parts = append(parts, "size ["+strings.Join(ss, "] [")+"]")
	}
	for _, e := range sx.Enums {
		// The values the ACS may write: not read-only, not deleted
		// (model.CheckValue refuses a deleted one).
		if e.Access != model.ReadOnly && e.Status != model.Deleted {
			enums = append(enums, e.Value)
		}
	}
	if len(sx.Enums) > 0 {
		var all []string
		for _, e := range sx.Enums {
			all = append(all, e.Value)
		}
		parts = append(parts, "one of "+strings.Join(all, ", "))
	}
	if len(sx.Patterns) > 0 {
		parts = append(parts, "pattern")
	}
	if sx.Units != "" {
		parts = append(parts, "in "+sx.Units)
	}
	return strings.Join(parts, "; "), ranges, sizes, enums
}

func (s *Server) uiDevice(w http.ResponseWriter, r *http.Request, se *uiSession) {
	id := r.PathValue("id")
	// Through the route table: the user's scope decides.
	var d store.Device
	if err := s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id), nil, &d); err != nil {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, se, "device", map[string]any{"LoadErr": err.Error(), "ID": id})
		return
	}
	prefix := r.URL.Query().Get("prefix")
	if prefix == "" {
		prefix = d.Root
	}
	ps, err := s.st.Parameters(r.Context(), d.ID, prefix)
	if err != nil {
		s.render(w, r, se, "device", map[string]any{"LoadErr": "parameters: store error", "ID": id})
		return
	}
	s.refreshUnread(r, &se.p, &d, prefix, ps) // discovery_scope.go: values not read yet are read at the next session
	b := BindDevice(&d)
	base := strings.Count(prefix, ".")
	rows := make([]uiParam, 0, len(ps))
	for _, p := range ps {
		name := strings.TrimSuffix(p.Name, ".")
		row := uiParam{Parameter: p, Depth: strings.Count(name, ".") - base + 1, Leaf: name[strings.LastIndexByte(name, '.')+1:]}
		if p.Object {
			_, err := strconv.Atoi(row.Leaf)
			row.Instance = err == nil
		}
		if b != nil {
			if e, sc, ok := b.Lookup(p.Name); ok {
				row.Entry, row.Model = e, sc.Model
				if e.Object {
					row.Table = strings.HasSuffix(e.Path, ".{i}.") && !row.Instance
				}
				if e.Syntax != nil {
					row.Wire = "xsd:" + string(e.Syntax.WireType())
					row.Facets, row.Ranges, row.Sizes, row.Enums = facets(e.Syntax)
					row.Type, row.List = string(e.Syntax.Type), e.Syntax.List != nil
					row.Patterns = uiPatterns(e.Syntax)
					row.ListFacets = uiListFacets(e.Syntax)
				}
				row.Writable = !e.Object && e.Access != model.ReadOnly
			}
		}
		if p.Object && !row.Instance && b != nil {
			// a table object is named without the instance: …Table.
			if e, _, ok := b.Lookup(p.Name + "1."); ok && e.Object && strings.HasSuffix(e.Path, ".{i}.") {
				row.Table = true
			}
		}
		rows = append(rows, row)
	}
	var tasks []*store.Task
	_ = s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id)+"/tasks", nil, &tasks)
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].ID > tasks[j].ID })
	if len(tasks) > 20 {
		tasks = tasks[:20]
	}
	var faults []store.Fault
	_ = s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id)+"/faults?limit=10", nil, &faults)
	var files []*store.File
	_ = s.uiCall(r, se, "GET", "/files", nil, &files)
	var probe ProbeReport
	_ = s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id)+"/probe", nil, &probe)
	var conf Conformance
	_ = s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id)+"/conformance", nil, &conf)
	modelName := ""
	if b != nil {
		modelName = b.ModelName()
	}
	data := map[string]any{"D": d, "ID": id, "Prefix": prefix, "Params": rows, "Tasks": tasks,
		"Faults": faults, "Model": modelName, "Findings": conf.Findings, "Files": files, "Probe": probe}
	if plan, outcomes, err := s.devicePlanRows(r, se, d.ID); err != nil {
		data["PlanErr"] = err.Error()
	} else {
		data["Plan"], data["Outcomes"] = plan, outcomes
	}
	s.render(w, r, se, "device", data)
}

// uiDeviceAction queues a task from the device page: set, add, delete,
// refresh, summon.
func (s *Server) uiDeviceAction(w http.ResponseWriter, r *http.Request, se *uiSession) {
	id := r.PathValue("id")
	dev := "/devices/" + url.PathEscape(id)
	ret := "/ui" + dev
	if p := r.PostFormValue("prefix"); p != "" {
		ret += "?prefix=" + url.QueryEscape(p)
	}
	path := r.PostFormValue("path")
	var spec *TaskSpec
	switch r.PathValue("action") {
	case "set":
		spec = &TaskSpec{Name: "setParameterValues", ParameterValues: [][]any{{path, r.PostFormValue("value")}}}
	case "add":
		spec = &TaskSpec{Name: "addObject", ObjectName: path}
	case "delete":
		spec = &TaskSpec{Name: "deleteObject", ObjectName: path}
	case "refresh":
		spec = &TaskSpec{Name: "getParameterValues", ParameterNames: []string{path}}
	case "reboot":
		spec = &TaskSpec{Name: "reboot"}
	case "download":
		spec = &TaskSpec{Name: "download", File: r.PostFormValue("file"), FileType: r.PostFormValue("fileType")}
		path = spec.File
	case "probe":
		var res ProbeResponse
		err := s.uiCall(r, se, "POST", dev+"/probe?connection_request", nil, &res)
		back(w, r, ret, fmt.Sprintf("conformance probe %s: %d tasks queued; connection request: %s", res.Run, len(res.Tasks), res.ConnectionRequest), err)
		return
	case "summon":
		var res SummonResponse
		err := s.uiCall(r, se, "POST", dev+"/connection-request", nil, &res)
		back(w, r, ret, "connection request: "+res.ConnectionRequest, err)
		return
	default:
		http.Error(w, "unknown action", http.StatusNotFound)
		return
	}
	var res TaskResponse
	if err := s.uiCall(r, se, "POST", dev+"/tasks?connection_request", spec, &res); err != nil {
		back(w, r, ret, "", err)
		return
	}
	back(w, r, ret, fmt.Sprintf("task %d (%s %s) queued; connection request: %s", res.ID, spec.Name, path, res.ConnectionRequest), nil)
}

// ---- files ----

func (s *Server) uiFiles(w http.ResponseWriter, r *http.Request, se *uiSession) {
	var files []*store.File
	err := s.uiCall(r, se, "GET", "/files", nil, &files)
	data := map[string]any{"Files": files}
	if err != nil {
		data["LoadErr"] = err.Error()
	}
	s.render(w, r, se, "files", data)
}

// ---- policies, groups, campaigns ----

func (s *Server) uiPolicies(w http.ResponseWriter, r *http.Request, se *uiSession) {
	s.renderPolicies(w, r, se, "", nil)
}

func (s *Server) renderPolicies(w http.ResponseWriter, r *http.Request, se *uiSession, source string, applyErr *uiError) {
	data := map[string]any{"Source": source}
	var policies []*PolicyView
	if err := s.uiCall(r, se, "GET", "/policies", nil, &policies); err != nil {
		data["LoadErr"] = err.Error()
	}
	var campaigns []*CampaignView
	_ = s.uiCall(r, se, "GET", "/campaigns", nil, &campaigns)
	data["Policies"], data["Campaigns"] = policies, campaigns
	if applyErr != nil {
		w.WriteHeader(applyErr.Status)
		data["ApplyErr"], data["ApplyErrors"] = applyErr.Error(), applyErr.Errors
	}
	s.render(w, r, se, "policies", data)
}

// uiApplyPolicies applies the documents of the page's editor; a refusal
// shows each error at its line, with the source kept in the editor.
func (s *Server) uiApplyPolicies(w http.ResponseWriter, r *http.Request, se *uiSession) {
	src := r.PostFormValue("source")
	var applied Applied
	err := s.uiCall(r, se, "POST", "/policies", rawBody{"application/yaml", []byte(src)}, &applied)
	if ue, ok := err.(*uiError); ok {
		s.renderPolicies(w, r, se, src, ue)
		return
	}
	back(w, r, "/ui/policies", fmt.Sprintf("applied %d documents", len(applied.Applied)), err)
}

// uiCampaign starts a campaign (the policies page's form) or pauses,
// resumes or aborts one.
func (s *Server) uiCampaign(w http.ResponseWriter, r *http.Request, se *uiSession) {
	name := r.PostFormValue("name")
	var err error
	msg := ""
	switch action := r.PathValue("action"); action {
	case "start":
		req := CampaignRequest{Name: name, Group: r.PostFormValue("group"), First: r.PostFormValue("first"), Within: r.PostFormValue("within"),
			Firmware: policy.Firmware{Version: r.PostFormValue("version"), File: r.PostFormValue("file")}}
		err = s.uiCall(r, se, "POST", "/campaigns", req, nil)
		msg = "campaign " + name + " started"
	case "pause", "resume", "abort":
		err = s.uiCall(r, se, "POST", "/campaigns/"+url.PathEscape(name)+"/"+action, nil, nil)
		msg = "campaign " + name + ": " + action
	default:
		http.Error(w, "unknown action", http.StatusNotFound)
		return
	}
	back(w, r, "/ui/policies", msg, err)
}

// ---- users and keys ----

func (s *Server) uiUsers(w http.ResponseWriter, r *http.Request, se *uiSession) {
	data := map[string]any{}
	if se.p.Role == store.RoleAdmin {
		var users []*store.User
		if err := s.uiCall(r, se, "GET", "/users", nil, &users); err == nil {
			data["Users"] = users
		}
	}
	if se.p.Name != adminActor {
		var keys []*store.APIKey
		if err := s.uiCall(r, se, "GET", "/users/"+url.PathEscape(se.p.Name)+"/keys", nil, &keys); err == nil {
			data["Keys"] = keys
		}
	}
	s.render(w, r, se, "users", data)
}

func (s *Server) uiUsersAction(w http.ResponseWriter, r *http.Request, se *uiSession) {
	name := r.PostFormValue("name")
	var err error
	msg := ""
	switch r.PathValue("action") {
	case "create":
		err = s.uiCall(r, se, "POST", "/users", UserRequest{Name: name, Role: r.PostFormValue("role"), Scope: r.PostFormValue("scope"),
			Password: r.PostFormValue("password")}, nil)
		msg = "user " + name + " created"
	case "delete":
		err = s.uiCall(r, se, "DELETE", "/users/"+url.PathEscape(name), nil, nil)
		msg = "user " + name + " deleted"
	case "role":
		role, scope, pw := r.PostFormValue("role"), r.PostFormValue("scope"), r.PostFormValue("password")
		up := UserUpdate{Role: &role, Scope: &scope}
		if pw != "" { // a new password; empty keeps the old one
			up.Password = &pw
		}
		err = s.uiCall(r, se, "PUT", "/users/"+url.PathEscape(name), up, nil)
		msg = "user " + name + " changed"
	case "newkey":
		var k NewAPIKey
		err = s.uiCall(r, se, "POST", "/users/"+url.PathEscape(se.p.Name)+"/keys", KeyRequest{Name: r.PostFormValue("keyname")}, &k)
		if err == nil {
			// Shown once, in this answer (not in a URL, not stored).
			s.render(w, r, se, "newkey", map[string]any{"Key": k})
			return
		}
	case "revoke":
		err = s.uiCall(r, se, "DELETE", "/users/"+url.PathEscape(se.p.Name)+"/keys/"+url.PathEscape(r.PostFormValue("kid")), nil, nil)
		msg = "key revoked"
	default:
		http.Error(w, "unknown action", http.StatusNotFound)
		return
	}
	back(w, r, "/ui/users", msg, err)
}

// ---- audit ----

func (s *Server) uiAudit(w http.ResponseWriter, r *http.Request, se *uiSession) {
	q := r.URL.Query()
	if q.Get("limit") == "" {
		q.Set("limit", "200")
	}
	if q.Get("format") == "csv" {
		q.Del("format")
		q.Del("limit")
		var es []store.AuditEntry
		if err := s.uiCall(r, se, "GET", "/audit?"+q.Encode(), nil, &es); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
		_ = writeAuditCSV(w, es)
		return
	}
	var es []store.AuditEntry
	err := s.uiCall(r, se, "GET", "/audit?"+q.Encode(), nil, &es)
	data := map[string]any{"Entries": es, "Q": r.URL.Query(), "Query": r.URL.RawQuery}
	if err != nil {
		data["LoadErr"] = err.Error()
	}
	s.render(w, r, se, "audit", data)
}
