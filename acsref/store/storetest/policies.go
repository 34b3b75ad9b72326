package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
)

// testPolicies: documents are put, replaced, listed and deleted (with
// their device states); the version changes with each; states are
// upserted, read per device and counted per policy; all of it survives a
// restart.
func testPolicies(t *testing.T, e *env) {
	st := e.store()
	at := now()
	v0, err := st.PoliciesVersion(bg)
	if err != nil {
		t.Fatal(err)
	}
	a := &store.PolicyDoc{Name: "a", Kind: "Policy", Model: "Device:2", Source: "name: a\nmodel: Device:2\n", Updated: at}
	b := &store.PolicyDoc{Name: "b", Kind: "VirtualParameter", Model: "Device:2", Source: "name: b\n# ünïcode\n", Updated: at}
	if err := st.PutPolicies(bg, []*store.PolicyDoc{a, b}); err != nil {
		t.Fatal(err)
	}
	v1, _ := st.PoliciesVersion(bg)
	if v1 == v0 {
		t.Fatal("version unchanged by a put")
	}
	a2 := *a
	a2.Source += "priority: 3\n"
	if err := st.PutPolicies(bg, []*store.PolicyDoc{&a2}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Policy(bg, "a")
	if err != nil || !reflect.DeepEqual(got, &a2) {
		t.Fatalf("Policy: %+v, %v", got, err)
	}
	if _, err := st.Policy(bg, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing policy: %v", err)
	}
	states := []store.PolicyState{
		{DeviceID: "d1", Policy: "a", Status: "converged", Data: json.RawMessage(`{"status":"converged"}`), Updated: at},
		{DeviceID: "d2", Policy: "a", Status: "fault", Data: json.RawMessage(`{"status":"fault","reason":"9007"}`), Updated: at},
		{DeviceID: "d3", Policy: "a", Status: "converged", Data: json.RawMessage(`{}`), Updated: at},
		{DeviceID: "d1", Policy: "b", Status: "pending", Data: json.RawMessage(`{}`), Updated: at},
	}
	if err := st.PutPolicyStates(bg, states); err != nil {
		t.Fatal(err)
	}
	states[1].Status, states[1].Data = "converged", json.RawMessage(`{"status":"converged"}`)
	if err := st.PutPolicyStates(bg, states[1:2]); err != nil {
		t.Fatal(err)
	}
	counts, err := st.PolicyStateCounts(bg, "a")
	if err != nil || !reflect.DeepEqual(counts, map[string]int{"converged": 3}) {
		t.Fatalf("counts %v, %v", counts, err)
	}

	// Restart.
	st.Close()
	st = e.store()
	docs, err := st.PolicyDocs(bg)
	if err != nil || len(docs) != 2 || docs[0].Name != "a" || docs[1].Source != b.Source {
		t.Fatalf("PolicyDocs after restart: %+v, %v", docs, err)
	}
	d1, err := st.PolicyStates(bg, "d1")
	if err != nil || len(d1) != 2 || d1[0].Policy != "a" || string(d1[0].Data) != `{"status":"converged"}` || !d1[0].Updated.Equal(at) {
		t.Fatalf("states of d1: %+v, %v", d1, err)
	}
	v2, _ := st.PoliciesVersion(bg)
	if err := st.DeletePolicy(bg, "a"); err != nil {
		t.Fatal(err)
	}
	if v3, _ := st.PoliciesVersion(bg); v3 == v2 {
		t.Fatal("version unchanged by a delete")
	}
	if err := st.DeletePolicy(bg, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if d1, _ := st.PolicyStates(bg, "d1"); len(d1) != 1 || d1[0].Policy != "b" {
		t.Fatalf("states of a deleted policy remain: %+v", d1)
	}
	// Campaigns: created once, updated in transactions that do not lose
	// concurrent updates, listed, deleted.
	camp := &store.CampaignRecord{Name: "fw", Spec: json.RawMessage(`{"first":"10"}`), State: json.RawMessage(`{"status":"running","n":0}`), Status: "running", Updated: at}
	if err := st.PutCampaign(bg, camp); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCampaign(bg, camp); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second PutCampaign: %v", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.UpdateCampaign(bg, "fw", func(c *store.CampaignRecord) (json.RawMessage, error) {
				var v struct {
					Status string `json:"status"`
					N      int    `json:"n"`
				}
				if err := json.Unmarshal(c.State, &v); err != nil {
					return nil, err
				}
				v.N++
				if v.N == 8 {
					v.Status = "completed"
				}
				return json.Marshal(v)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got2, err := st.Campaign(bg, "fw")
	if err != nil || string(got2.State) != `{"status":"completed","n":8}` || got2.Status != "completed" {
		t.Fatalf("campaign after 8 updates: %+v %v", got2, err)
	}
	if cs, err := st.Campaigns(bg); err != nil || len(cs) != 1 || string(cs[0].Spec) != `{"first":"10"}` {
		t.Fatalf("Campaigns: %+v %v", cs, err)
	}
	if err := st.UpdateCampaign(bg, "nope", nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing campaign: %v", err)
	}
	if err := st.DeleteCampaign(bg, "fw"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Campaign(bg, "fw"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted campaign: %v", err)
	}

	// Keys PostgreSQL cannot hold name nothing, without an error.
	if _, err := st.Policy(bg, "a\x00"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("NUL name: %v", err)
	}
}
