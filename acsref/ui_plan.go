package acsref

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// The policy plan views (the NBI's dry run, GET /devices/{id}/plan and
// /policies/{name}/plan, as tables), the campaign page, and the bulk
// "start a campaign" on a selection of devices.

// uiPlanRow is one thing a device's next session would do.
type uiPlanRow struct {
	Device   string
	Action   string // set, add, delete, read, attributes, download
	Path     string
	Value    string
	Policies string
}

// planRows flattens a plan's RPCs into rows; with only set, the RPCs
// that carry that policy's work alone.
func planRows(device string, rpcs []policy.RPC, only string) []uiPlanRow {
	var out []uiPlanRow
	for _, rpc := range rpcs {
		if only != "" && !slices.Contains(rpc.Policies, only) {
			continue
		}
		pols := strings.Join(rpc.Policies, ", ")
		add := func(action, path, value string) {
			out = append(out, uiPlanRow{Device: device, Action: action, Path: path, Value: value, Policies: pols})
		}
		switch rpc.Method {
		case "SetParameterValues":
			for _, v := range rpc.Values {
				add("set", v.Name, v.Value)
			}
		case "AddObject":
			var then []string
			for _, v := range rpc.Then {
				then = append(then, v.Name+" = "+v.Value)
			}
			add("add", rpc.Object, strings.Join(then, "; "))
		case "DeleteObject":
			add("delete", rpc.Object, "")
		case "GetParameterValues":
			add("read", strings.Join(rpc.Names, ", "), "")
		case "SetParameterAttributes":
			for _, a := range rpc.Attributes {
				v := ""
				if a.NotificationChange {
					v = "notification " + strconv.Itoa(a.Notification)
				}
				if a.AccessListChange {
					v = strings.TrimSpace(v + " access list [" + strings.Join(a.AccessList, ", ") + "]")
				}
				add("attributes", a.Name, v)
			}
		case "Download":
			add("download", rpc.File, rpc.Version)
		default:
			add(rpc.Method, rpc.Object, "")
		}
	}
	return out
}

// uiPlanDevices bounds the devices whose plans a policy's page lists (the
// counts cover all).
const uiPlanDevices = 50

// uiPolicy is one document's page: its source and, for a policy, the dry
// run over the devices.
func (s *Server) uiPolicy(w http.ResponseWriter, r *http.Request, se *uiSession) {
	name := r.PathValue("name")
	var doc PolicyView
	if err := s.uiCall(r, se, "GET", "/policies/"+url.PathEscape(name), nil, &doc); err != nil {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, se, "policy", map[string]any{"Name": name, "LoadErr": err.Error()})
		return
	}
	data := map[string]any{"Name": name, "Doc": doc}
	if doc.PolicyDoc != nil && doc.Kind == "Policy" {
		var plan PolicyPlan
		if err := s.uiCall(r, se, "GET", "/policies/"+url.PathEscape(name)+"/plan", nil, &plan); err != nil {
			data["PlanErr"] = err.Error()
		} else {
			methods := make([]string, 0, len(plan.RPCs))
			for m := range plan.RPCs {
				methods = append(methods, m)
			}
			sort.Strings(methods)
			data["Plan"], data["Methods"] = plan, methods
		}
		ds, err := s.uiDeviceList(r, se, uiDeviceQuery{Model: modelRoot(doc.Model)})
		if err != nil {
			data["PlanErr"] = err.Error()
		}
		var rows []uiPlanRow
		looked := 0
		for _, d := range ds {
			if looked == uiPlanDevices {
				data["PlanTruncated"] = true
				break
			}
			looked++
			var dp DevicePlan
			if err := s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(d.ID)+"/plan", nil, &dp); err != nil {
				data["PlanErr"] = err.Error()
				break
			}
			rows = append(rows, planRows(d.ID, dp.RPCs, name)...)
		}
		data["Rows"], data["Looked"] = rows, looked
	}
	s.render(w, r, se, "policy", data)
}

// modelRoot is a document's model as a device filter: "Device:2.19" and
// "Device:2" select the Device:2 devices.
func modelRoot(m string) string {
	if i := strings.IndexByte(m, '.'); i >= 0 {
		return m[:i]
	}
	return m
}

// devicePlanRows is the device page's plan: what its next periodic
// session would do for the policies.
func (s *Server) devicePlanRows(r *http.Request, se *uiSession, id string) ([]uiPlanRow, map[string]policy.Outcome, error) {
	var dp DevicePlan
	if err := s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id)+"/plan", nil, &dp); err != nil {
		return nil, nil, err
	}
	return planRows(id, dp.RPCs, ""), dp.Policy, nil
}

// uiCampaignPage shows one campaign: its spec, state and each device's.
func (s *Server) uiCampaignPage(w http.ResponseWriter, r *http.Request, se *uiSession) {
	name := r.PathValue("name")
	var c CampaignView
	if err := s.uiCall(r, se, "GET", "/campaigns/"+url.PathEscape(name), nil, &c); err != nil {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, se, "campaign", map[string]any{"Name": name, "LoadErr": err.Error()})
		return
	}
	type devRow struct {
		ID string
		*policy.CampaignDevice
	}
	var devs []devRow
	if c.State != nil {
		for _, id := range c.State.Targets {
			devs = append(devs, devRow{ID: id, CampaignDevice: c.State.Devices[id]})
		}
	}
	s.render(w, r, se, "campaign", map[string]any{"Name": name, "C": c, "Devices": devs})
}

// uiBulkCampaign starts a firmware campaign on the selected devices: a
// static group of them (a Group document, applied through the NBI), then
// the campaign through POST /campaigns, as an NBI client would; the
// answer is the campaign's page.
func (s *Server) uiBulkCampaign(w http.ResponseWriter, r *http.Request, se *uiSession, ids []string, ret string) {
	name := strings.TrimSpace(r.PostFormValue("cname"))
	if name == "" || !validCampaignName(name) {
		back(w, r, ret, "", fmt.Errorf("campaign name: letters, digits, '-', '_' and '.'"))
		return
	}
	// The group's model: the selected devices' (one group has one).
	model := ""
	for _, id := range ids {
		var d store.Device
		if err := s.uiCall(r, se, "GET", "/devices/"+url.PathEscape(id), nil, &d); err != nil {
			back(w, r, ret, "", fmt.Errorf("%s: %w", id, err))
			return
		}
		m := modelRoot(d.Model)
		if model != "" && m != model {
			back(w, r, ret, "", fmt.Errorf("the selection spans the models %s and %s: a campaign's group has one; filter by model first", model, m))
			return
		}
		model = m
	}
	if model == "" {
		back(w, r, ret, "", fmt.Errorf("the selected devices are bound to no data model yet"))
		return
	}
	group := name + "-selection"
	quoted, _ := json.Marshal(ids) // a YAML flow sequence of JSON strings
	doc := fmt.Sprintf("kind: Group\nname: %s\nmodel: %s\ndevices: %s\n", group, model, quoted)
	if err := s.uiCall(r, se, "POST", "/policies", rawBody{"application/yaml", []byte(doc)}, nil); err != nil {
		back(w, r, ret, "", fmt.Errorf("the selection's group %s: %w", group, err))
		return
	}
	req := CampaignRequest{Name: name, Group: group, First: r.PostFormValue("cfirst"), Within: r.PostFormValue("cwithin"),
		Firmware: policy.Firmware{Version: strings.TrimSpace(r.PostFormValue("cversion")), File: strings.TrimSpace(r.PostFormValue("cfile"))}}
	if err := s.uiCall(r, se, "POST", "/campaigns", req, nil); err != nil {
		back(w, r, ret, "", fmt.Errorf("campaign %s: %w", name, err))
		return
	}
	back(w, r, "/ui/campaigns/"+url.PathEscape(name), fmt.Sprintf("campaign %s started on %d devices (group %s)", name, len(ids), group), nil)
}
