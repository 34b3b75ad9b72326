package policy_test

import (
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/cwmp"
)

// FuzzParseCheck: any input is parsed, checked and planned without a
// panic; every error names a rule, and a checked set plans on an empty
// device.
func FuzzParseCheck(f *testing.F) {
	f.Add([]byte(wanPolicy))
	f.Add([]byte(`{"name":"j","model":"Device:2","values":{"Device.ManagementServer.PeriodicInformInterval":{"expr":"1 + 2"}}}`))
	f.Add([]byte("kind: VirtualParameter\nname: v\nmodel: Device:2\ntype: unsignedInt\nexpr: Device.ManagementServer.PeriodicInformInterval * 2u\n"))
	f.Add([]byte("a: &a [*a, *a]\nname: *a\n"))
	f.Add([]byte("name: p\nmodel: Device:2\nmatch: '\"'\n"))
	f.Add([]byte("---\n---\nname: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := policy.Parse(data)
		if err != nil {
			for _, e := range err.(policy.Errors) {
				if e.Rule == "" {
					t.Fatalf("error without a rule: %v", e)
				}
			}
			return
		}
		set, errs := policy.Check(docs, catalog)
		for _, e := range errs {
			if e.Rule == "" || e.Policy == "" {
				t.Fatalf("error without a rule or policy: %+v", e)
			}
		}
		for _, root := range []string{"Device.", "InternetGatewayDevice.", ""} {
			st := policy.NewMapState(policy.Facts{ID: "d"}, root)
			policy.Compute(set, st, nil, policy.NewSession([]string{cwmp.EventBootstrap}), time.Now())
			policy.VirtualValues(set, st)
		}
	})
}
