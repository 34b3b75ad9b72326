package bbf_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
		// Both files define Device:2.19: no suffix means CWMP.
		"Device:2.19-cwmp": "tr-181-2-19-1-cwmp.xml", "Device:2.19-usp": "tr-181-2-19-1-usp.xml", "Device:2-usp": "tr-181-2-19-1-usp.xml",
		"Device:2.12-usp": "tr-181-2-12-0-usp.xml", "Device:2.11-cwmp": "tr-181-2-11-0.xml", "Device:2-cwmp": "tr-181-2-19-1-cwmp.xml",
		"VoiceService:2.0-usp": "tr-104-2-0-2-usp.xml", "STBService:1-usp": "tr-135-1-4-1-usp.xml", "FAPService:2.1-usp": "tr-196-2-1-2-usp.xml",
	} {
		e, err := bbf.Lookup(name)
		if err != nil || e.File != file {
			t.Errorf("Lookup(%s) = %s, %v; want %s", name, e.File, err, file)
		}
	}
	for _, bad := range []string{"Device:3", "Device:2.99", "Device", "Device:x", "Device:1-usp", "InternetGatewayDevice:1.14-usp", "Device:2.19-tr369"} {
		if _, err := bbf.Lookup(bad); err == nil {
			t.Errorf("Lookup(%s) succeeded", bad)
		}
	}
	if _, err := bbf.Lookup("Device:2.11-usp"); err == nil || !strings.Contains(err.Error(), "no USP variant") {
		t.Errorf("Lookup(Device:2.11-usp) = %v, want no USP variant", err)
	}
	if !bbf.IsModelName("Device:2.19") || !bbf.IsModelName("Device:2.19-usp") || !bbf.IsModelName("Device:2-cwmp") ||
		bbf.IsModelName("tr-181-2-19-1-cwmp.xml") || bbf.IsModelName("C:/x.xml") || bbf.IsModelName("tr-181-2-19-1-usp") {
		t.Error("IsModelName misclassifies")
	}
}

// TestCatalogVariants: every model name the BBF publishes in -cwmp and -usp
// files has both entries, each keyed uniquely, and each root file's name
// says its variant.
func TestCatalogVariants(t *testing.T) {
	keys := map[string]bool{}
	for _, e := range bbf.Catalog {
		if keys[e.Key()] {
			t.Errorf("catalogue key %s twice", e.Key())
		}
		keys[e.Key()] = true
		if strings.HasSuffix(e.File, "-usp.xml") != (e.Protocol == bbf.USP) {
			t.Errorf("%s: file %s does not match protocol %s", e.Key(), e.File, e.Protocol)
		}
		if strings.HasSuffix(e.File, "-cwmp.xml") {
			if _, err := bbf.Lookup(e.Model + "-usp"); err != nil {
				t.Errorf("%s has a -cwmp file but no USP variant: %v", e.Model, err)
			}
		}
	}
	files := bbf.StandardFiles()
	for _, want := range []string{"tr-181-2-19-1-cwmp.xml", "tr-181-2-19-1-usp.xml", "tr-098-1-8-0.xml", "tr-104-2-0-2-usp.xml", "tr-135-1-4-1-usp.xml"} {
		if !slices.Contains(files, want) {
			t.Errorf("StandardFiles() = %v lacks %s", files, want)
		}
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
	// The USP variant shares most imports; it resolves from what is fetched.
	if _, err := f.Fetch(context.Background(), "tr-181-2-19-1-usp.xml"); err != nil {
		t.Fatalf("fetch USP: %v", err)
	}
	udoc, err := parser.NewLoader().LoadFile(filepath.Join(dst, "tr-181-2-19-1-usp.xml"))
	if err != nil {
		t.Fatalf("resolving the USP root from fetched files: %v", err)
	}
	if m := udoc.Model("Device:2.19"); m == nil || m.Object("Device.IP.Diagnostics.").Command("IPPing()") == nil {
		t.Fatal("fetched USP model lacks Device.IP.Diagnostics.IPPing()")
	}
	if _, err := f.Fetch(context.Background(), "tr-999-1-0-0.xml"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing file: got %v, want a 404 error", err)
	}
}

// TestFetchRemembersCorrigenda: the first fetch probes the site (HEAD)
// for the latest corrigendum of each imported document once, and writes
// what it found with a timestamp; the next fetch (a new Fetcher, as a new
// run of dmforge bbf fetch) sends no HEAD at all; Refresh and an entry
// older than MaxAge probe again.
func TestFetchRemembersCorrigenda(t *testing.T) {
	src := testbbf.Require(t)
	var mu sync.Mutex
	heads := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/cwmp/")
		if r.Method == http.MethodHead {
			mu.Lock()
			heads[name]++
			mu.Unlock()
		}
		if strings.ContainsAny(name, "/\\") || name == "" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(src, name))
	}))
	defer srv.Close()
	totalHeads := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, c := range heads {
			n += c
		}
		return n
	}
	dst, memo := t.TempDir(), filepath.Join(t.TempDir(), "sub", "bbf-corrigenda.json")
	fetch := func(f *bbf.Fetcher) {
		t.Helper()
		f.BaseURL, f.Dir, f.Resolved = srv.URL+"/cwmp/", dst, memo
		if _, err := f.Fetch(context.Background(), "tr-181-2-19-1-cwmp.xml"); err != nil {
			t.Fatal(err)
		}
	}
	first := &bbf.Fetcher{}
	fetch(first)
	if first.Probes == 0 || first.Probes != totalHeads() {
		t.Fatalf("first fetch: %d probes counted, %d HEAD requests served", first.Probes, totalHeads())
	}
	// Each document is probed once per run, however many files import it:
	// at most one HEAD per corrigendum number (0-9) per file name.
	for name, n := range heads {
		if n > 1 {
			t.Errorf("HEAD %s sent %d times in one run", name, n)
		}
	}
	data, err := os.ReadFile(memo)
	if err != nil {
		t.Fatalf("nothing remembered: %v", err)
	}
	var saved struct {
		Sites map[string]map[string]struct {
			File    string
			Checked time.Time
		}
	}
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	site := saved.Sites[srv.URL+"/cwmp/"]
	if len(site) == 0 {
		t.Fatalf("no entry for the site in %s", data)
	}
	for doc, e := range site {
		// The file is the document's name with a corrigendum number.
		parts := strings.Split(strings.TrimSuffix(e.File, ".xml"), "-")
		if len(parts) < 5 || strings.Join(append(parts[:4:4], parts[5:]...), "-") != doc || time.Since(e.Checked) > time.Minute {
			t.Errorf("%s: remembered %+v", doc, e)
		}
		if _, err := os.Stat(filepath.Join(src, e.File)); err != nil {
			t.Errorf("%s: remembered %s, which the site does not have", doc, e.File)
		}
	}

	t.Logf("first fetch: %d HEAD requests for %d documents", first.Probes, len(site))
	before := totalHeads()
	again := &bbf.Fetcher{}
	fetch(again)
	if again.Probes != 0 || totalHeads() != before {
		t.Fatalf("second fetch probed %d times (%d HEAD requests)", again.Probes, totalHeads()-before)
	}
	refresh := &bbf.Fetcher{Refresh: true}
	fetch(refresh)
	if refresh.Probes == 0 || refresh.Probes > first.Probes {
		t.Errorf("--refresh: %d probes, want some and at most the first run's %d", refresh.Probes, first.Probes)
	}
	stale := &bbf.Fetcher{MaxAge: time.Nanosecond}
	fetch(stale)
	if stale.Probes == 0 {
		t.Error("entries older than MaxAge were trusted")
	}
	if err := os.WriteFile(memo, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = (&bbf.Fetcher{BaseURL: srv.URL + "/cwmp/", Dir: dst, Resolved: memo}).Fetch(context.Background(), "tr-181-2-19-1-cwmp.xml")
	if err == nil || !strings.Contains(err.Error(), memo) {
		t.Errorf("corrupt memo file: %v, want an error naming it", err)
	}
}
