package policy_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp"
)

// benchState is a TR-181 device as the ACS knows it in a session: the
// Inform's values, and (converged) the benchmark policy's values and
// object instance.
func benchState(b *testing.B, set *policy.Set, converged bool) *policy.MapState {
	now := time.Now()
	st := policy.NewMapState(policy.Facts{ID: "00D09E-Bench-B0000001", ProductClass: "Bench", Serial: "B0000001", SoftwareVersion: "1.0"}, "Device.")
	for _, p := range []string{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.HardwareVersion", "Device.ManagementServer.ConnectionRequestURL", "Device.ManagementServer.ParameterKey"} {
		st.Set(p, "x", now)
	}
	if !converged {
		return st
	}
	// Converge it by planning and applying until nothing is left.
	sess := policy.NewSession([]string{cwmp.EventBootstrap})
	next := uint32(0)
	for i := 0; i < 10; i++ {
		plan := policy.Compute(set, st, nil, sess, now)
		if len(plan.RPCs) == 0 {
			break
		}
		r := plan.RPCs[0]
		switch r.Method {
		case "GetParameterValues":
			var vals []cwmp.ParameterValueStruct
			for _, n := range r.Names {
				if k, ok := st.Get(n); ok {
					vals = append(vals, cwmp.ParameterValueStruct{Name: n, Value: k.Value})
				}
			}
			sess.GotValues(&r, st, vals, now)
		case "SetParameterValues":
			sess.SetDone(&r, st, now)
		case "AddObject":
			next++
			sess.ObjectAdded(&r, st, next, now)
		}
	}
	// A few hundred other known parameters, as after a discovery.
	for i := 0; i < 300; i++ {
		st.Set("Device.Hosts.Host."+strconv.Itoa(i)+".HostName", "h", now)
	}
	return st
}

// BenchmarkPlan is the planner's cost per session for the benchmark's
// 20-parameter, one-object policy: a converged device (no RPC), and a
// new device (the first plan of its BOOTSTRAP session).
func BenchmarkPlan(b *testing.B) {
	src, err := os.ReadFile("../../bench/policy-bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	docs, err := policy.Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	set, errs := policy.Check(docs, catalog)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	for _, c := range []struct {
		name      string
		converged bool
		events    []string
	}{{"converged-periodic", true, []string{cwmp.EventPeriodic}}, {"converged-bootstrap", true, []string{cwmp.EventBootstrap}}, {"new-bootstrap", false, []string{cwmp.EventBootstrap}}} {
		b.Run(c.name, func(b *testing.B) {
			st := benchState(b, set, c.converged)
			states := map[string]*policy.PolicyState{}
			if c.converged {
				states["bench"] = &policy.PolicyState{Policy: "bench", Status: policy.StatusConverged}
			}
			now := time.Now()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				plan := policy.Compute(set, st, states, policy.NewSession(c.events), now)
				if c.converged != (len(plan.RPCs) == 0) {
					b.Fatalf("plan %+v", plan.RPCs)
				}
			}
		})
	}
}
