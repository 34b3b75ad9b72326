package acsref_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// BenchmarkUIDeviceList: the devices page of an ACS with 10,000 devices
// (SQLite), filtered by product class and software version, then by an
// id substring, by online status (each device's periodic interval read
// from the store), and the overview (which counts the online devices), as
// the server renders them (no network: the handler straight). Every
// device has its PeriodicInformInterval stored; a quarter of them informed
// too long ago.
func BenchmarkUIDeviceList(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "acs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	const n = 10000
	for i := range n {
		pc := []string{"Alpha", "Beta", "Gamma", "Delta"}[i%4]
		sn := fmt.Sprintf("SN%06d", i)
		d := &store.Device{ID: acsref.DeviceID("00D09E", pc, sn), OUI: "00D09E", ProductClass: pc, SerialNumber: sn, Manufacturer: "dmforge",
			Root: "Device.", Model: "Device:2.19", SoftwareVer: fmt.Sprintf("%d.%d", 1+i%3, i%10), FirstSeen: now, LastInform: now}
		if i%4 == 3 {
			d.LastInform = now.Add(-20 * time.Minute)
		}
		ps := []store.Parameter{
			{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "true", Type: "xsd:boolean", Updated: now, HasValue: true},
			{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300", Type: "xsd:unsignedInt", Updated: now, HasValue: true},
		}
		if err := st.Commit(ctx, &store.Batch{Device: d, Parameters: ps}); err != nil {
			b.Fatal(err)
		}
	}
	srv, err := acsref.New(acsref.Config{Store: st, NBIToken: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.NBIHandler()
	login := httptest.NewRequest("POST", "http://127.0.0.1/ui/login", strings.NewReader(url.Values{"key": {"bench"}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, login)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) == 0 {
		b.Fatalf("login: %d", rec.Code)
	}
	for _, c := range []struct{ name, page, want string }{
		{"class+software", "devices?productClass=Beta&software=2.", "<span id=\"total\">"},
		{"id-substring", "devices?id=SN0012", "<span id=\"total\">"},
		{"all", "devices", "<span id=\"total\">10000</span>"},
		{"online", "devices?online=online", "<span id=\"total\">7500</span>"},
		{"overview", "", "<span id=\"online-count\">7500</span>"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", "http://127.0.0.1/ui/"+c.page, nil)
				req.AddCookie(cookies[0])
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), c.want) {
					b.Fatalf("GET /ui/%s: %d", c.page, rec.Code)
				}
			}
		})
	}
}
