package acsref_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp"
)

// TestProductClassDiscoveryOverride: a product class's discovery
// override set through the NBI (batches of 3 names) is used by the first
// discovery of a device of that class, wins over the flags' override of
// the same class, is listed with its source, shows in the device's
// discovery view, and once deleted the flags' override applies again.
func TestProductClassDiscoveryOverride(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.DiscoveryByProductClass = map[string]acsref.DiscoveryStrategy{"Lab Box": {BatchSize: 7}, "Other": {BatchSize: 9}}
	})
	if code := a.do("PUT", "/discovery/product-classes/Lab%20Box", `{"batchSize":3}`, nil); code != http.StatusNoContent {
		t.Fatalf("PUT: HTTP %d", code)
	}
	var list []acsref.ProductClassDiscovery
	a.do("GET", "/discovery/product-classes", nil, &list)
	if len(list) != 2 || list[0].ProductClass != "Lab Box" || list[0].Source != "nbi" || list[0].Override.BatchSize != 3 ||
		list[1].ProductClass != "Other" || list[1].Source != "config" {
		t.Fatalf("list %+v", list)
	}
	cpe := newSmallCPE(100) // answers any batch: the sizes are the ACS's choice
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	cpe.run(t, raw, "PC1", cwmp.EventBootstrap)
	if len(cpe.gpv) == 0 {
		t.Fatal("no GetParameterValues")
	}
	for _, names := range cpe.gpv {
		if len(names) > 3 {
			t.Fatalf("a GetParameterValues of %d names; the class's override is 3: %v", len(names), cpe.gpv)
		}
	}
	var view acsref.DiscoveryView
	a.do("GET", devPath(labID+"PC1")+"/discovery", nil, &view)
	if view.ProductClass.BatchSize != 3 || view.Effective.BatchSize != 3 {
		t.Fatalf("discovery view %+v", view)
	}
	if code := a.do("DELETE", "/discovery/product-classes/Lab%20Box", nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE: HTTP %d", code)
	}
	a.do("GET", devPath(labID+"PC1")+"/discovery", nil, &view)
	if view.ProductClass.BatchSize != 7 {
		t.Fatalf("after DELETE the flags' override (7) applies: %+v", view)
	}
	if code := a.do("PUT", "/discovery/product-classes/Lab%20Box", `{"batchSize":5000}`, nil); code != http.StatusBadRequest {
		t.Fatalf("PUT of a batch over the bound: HTTP %d", code)
	}
}
