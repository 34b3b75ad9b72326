package acsref_test

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/conformance"
	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
)

var (
	profilePlansMu sync.Mutex
	profilePlans   = map[string]*conformance.Plan{}
)

// profilePlan generates the profile plan of a model from the BBF files
// (the models the generated schemas were made from).
func profilePlan(t *testing.T, name string) *conformance.Plan {
	t.Helper()
	profilePlansMu.Lock()
	defer profilePlansMu.Unlock()
	if p := profilePlans[name]; p != nil {
		return p
	}
	dir := testbbf.Require(t)
	e, err := bbf.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, e.File))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Model(name)
	if m == nil {
		t.Fatalf("%s does not define %s", e.File, name)
	}
	p, err := conformance.ProfilePlan(m)
	if err != nil {
		t.Fatal(err)
	}
	profilePlans[name] = p
	return p
}

// TestConformanceProfiles: profile cases generated from the BBF models.
// The simulated CPE of TR-181 and TR-098 passes the profiles a lab
// selects for it; every other profile of the plan is not applicable
// (neither declared nor selected); and the profile case fails, with the
// device's GetParameterNames answer as evidence, when the simulator hides
// a required object or reports a value the model refuses.
func TestConformanceProfiles(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the BBF models")
	}
	for _, tc := range []struct {
		name     string
		schema   *model.Schema
		profiles []string
	}{
		{tr181.ModelName, tr181.Schema, []string{"GatewayInfo:1", "SupportedDataModel:2", "InformParameters:1", "UDPConnReq:1", "SM_Baseline:1", "User:2"}},
		{tr098.ModelName, tr098.Schema, []string{"Baseline:2", "SupportedDataModel:2", "InformParameters:1", "User:1", "TempStatus:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := profilePlan(t, tc.name)
			if len(plan.Cases) < 20 {
				t.Fatalf("%d profile cases", len(plan.Cases))
			}
			l := startConfLab(t, tc.schema, "PRF"+tc.name[:3], cpe.Quirks{})
			rep := l.run(t, acsref.ConformanceRunRequest{PlanDocument: plan, Options: conformance.Options{Profiles: tc.profiles}}, 2*time.Minute)
			if rep.State != conformance.Finished || rep.Total != len(plan.Cases) {
				t.Fatalf("run %s %s: %d of %d", rep.State, rep.Error, rep.Done, rep.Total)
			}
			for _, r := range rep.Results {
				selected := slices.Contains(tc.profiles, strings.TrimPrefix(r.Case, "profile."))
				switch {
				case selected && r.Status != conformance.Pass:
					t.Errorf("%s: %s %s %s", r.Case, r.Status, r.Reason, r.Observed)
				case !selected && (r.Status != conformance.NotApplicable || !strings.Contains(r.Reason, "declares no profile")):
					t.Errorf("%s (not selected): %s %s", r.Case, r.Status, r.Reason)
				}
			}
			if rep.Counts.Pass != len(tc.profiles) {
				t.Errorf("counts %+v", rep.Counts)
			}
		})
	}
	plan := profilePlan(t, tr181.ModelName)
	for _, bc := range []struct{ quirk, want string }{
		{"hide=Device.GatewayInfo.", "Device.GatewayInfo. absent"},
		{"value=Device.GatewayInfo.ManufacturerOUI:not-an-OUI", "Device.GatewayInfo.ManufacturerOUI = \"not-an-OUI\""},
	} {
		t.Run(bc.quirk, func(t *testing.T) {
			q, err := cpe.ParseQuirks([]string{bc.quirk})
			if err != nil {
				t.Fatal(err)
			}
			l := startConfLab(t, tr181.Schema, "PRB"+itoa(int64(len(bc.quirk))), q)
			rep := l.run(t, acsref.ConformanceRunRequest{PlanDocument: plan, Options: conformance.Options{Profiles: []string{"GatewayInfo:1"},
				Cases: []string{"profile.GatewayInfo:1"}}}, time.Minute)
			r := resultOf(rep, "profile.GatewayInfo:1")
			if r == nil || r.Status != conformance.Fail || !strings.Contains(r.Observed, bc.want) {
				t.Fatalf("%+v", r)
			}
			gpn := false
			for _, ex := range r.Evidence {
				gpn = gpn || ex.Method == "GetParameterNamesResponse" && strings.Contains(ex.SOAP, "Device.")
			}
			if !gpn {
				t.Errorf("no GetParameterNamesResponse in the evidence: %+v", r.Evidence)
			}
		})
	}
}
