package bbf_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/parser"
)

// TestCatalogResolves proves every catalogue entry: its root file resolves
// from the BBF files and defines the model the entry says it does.
func TestCatalogResolves(t *testing.T) {
	dir := testbbf.Require(t)
	for _, e := range bbf.Catalog {
		doc, err := parser.NewLoader(dir).LoadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Errorf("%s: %v", e.Model, err)
			continue
		}
		m := doc.Model(e.Model)
		if m == nil {
			t.Errorf("%s: %s does not define it", e.Model, e.File)
			continue
		}
		if objs, params := m.Counts(); objs < 10 || params < 50 {
			t.Errorf("%s: only %d objects and %d parameters", e.Model, objs, params)
		}
	}
}

func TestLookup(t *testing.T) {
	for name, file := range map[string]string{
		"Device:2.19": "tr-181-2-19-1-cwmp.xml", "Device:2": "tr-181-2-19-1-cwmp.xml", "Device:1": "tr-181-1-7-0.xml",
		"InternetGatewayDevice:1.14": "tr-098-1-8-0.xml", "VoiceService:2": "tr-104-2-0-2-cwmp.xml", "STBService:1.4": "tr-135-1-4-1-cwmp.xml",
	} {
		e, err := bbf.Lookup(name)
		if err != nil || e.File != file {
			t.Errorf("Lookup(%s) = %s, %v; want %s", name, e.File, err, file)
		}
	}
	for _, bad := range []string{"Device:3", "Device:2.99", "Device", "Device:x"} {
		if _, err := bbf.Lookup(bad); err == nil {
			t.Errorf("Lookup(%s) succeeded", bad)
		}
	}
	if !bbf.IsModelName("Device:2.19") || bbf.IsModelName("tr-181-2-19-1-cwmp.xml") || bbf.IsModelName("C:/x.xml") {
		t.Error("IsModelName misclassifies")
	}
}

func TestSearchPathOrder(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	t.Setenv(bbf.EnvDir, b)
	got := bbf.SearchPath([]string{a, filepath.Join(a, "does-not-exist")})
	if len(got) < 2 || got[0] != a || got[1] != b {
		t.Fatalf("search path %v: want -I dir, then $%s", got, bbf.EnvDir)
	}
}

// TestFetchFromLocalServer fetches Device:2.19 and its imports from a
// local HTTP server that serves the BBF files (with no directory listing,
// like the BBF's site), then resolves the model from the fetched files alone.
func TestFetchFromLocalServer(t *testing.T) {
	src := testbbf.Require(t)
	var mu sync.Mutex
	requests := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/cwmp/")
		mu.Lock()
		requests[r.Method]++
		mu.Unlock()
		if strings.ContainsAny(name, "/\\") || name == "" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(src, name))
	}))
	defer srv.Close()
	dst := t.TempDir()
	f := &bbf.Fetcher{BaseURL: srv.URL + "/cwmp/", Dir: dst}
	got, err := f.Fetch(context.Background(), "tr-181-2-19-1-cwmp.xml")
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if len(got) < 80 {
		t.Fatalf("fetched only %d files", len(got))
	}
	doc, err := parser.NewLoader().LoadFile(filepath.Join(dst, "tr-181-2-19-1-cwmp.xml"))
	if err != nil {
		t.Fatalf("resolving from fetched files: %v", err)
	}
	if m := doc.Model("Device:2.19"); m == nil || m.Object("Device.WiFi.Radio.{i}.") == nil {
		t.Fatal("fetched model lacks Device.WiFi.Radio.{i}.")
	}
	// A second fetch reads the cache and downloads nothing.
	before := requests["GET"]
	if _, err := (&bbf.Fetcher{BaseURL: srv.URL + "/cwmp/", Dir: dst}).Fetch(context.Background(), "tr-181-2-19-1-cwmp.xml"); err != nil {
		t.Fatal(err)
	}
	if requests["GET"] != before {
		t.Errorf("second fetch downloaded %d files again", requests["GET"]-before)
	}
	if _, err := os.Stat(filepath.Join(dst, "tr-106-types.xml")); err != nil {
		t.Errorf("tr-106-types.xml not fetched: %v", err)
	}
	if _, err := f.Fetch(context.Background(), "tr-999-1-0-0.xml"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing file: got %v, want a 404 error", err)
	}
}
