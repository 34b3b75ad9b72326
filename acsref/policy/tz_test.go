package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
)

// TestParsePOSIXTZ: POSIX TZ strings as CPEs report them give the zone
// and its daylight saving rules; malformed ones are refused with the
// string and the rule.
func TestParsePOSIXTZ(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		tz   string
		at   time.Time
		want string // local time and zone abbreviation
	}{
		{"CET-1CEST,M3.5.0,M10.5.0/3", utc(2027, 1, 15, 12, 0), "13:00 CET"},
		{"CET-1CEST,M3.5.0,M10.5.0/3", utc(2027, 7, 15, 12, 0), "14:00 CEST"},
		// Last Sunday of March 2027 is the 28th: 01:00 UTC is the switch.
		{"CET-1CEST,M3.5.0,M10.5.0/3", utc(2027, 3, 28, 0, 59), "01:59 CET"},
		{"CET-1CEST,M3.5.0,M10.5.0/3", utc(2027, 3, 28, 1, 0), "03:00 CEST"},
		// Last Sunday of October 2027 is the 31st: back at 01:00 UTC.
		{"CET-1CEST,M3.5.0,M10.5.0/3", utc(2027, 10, 31, 0, 59), "02:59 CEST"},
		{"CET-1CEST,M3.5.0,M10.5.0/3", utc(2027, 10, 31, 1, 0), "02:00 CET"},
		// TR-098's own example, with its space.
		{"EST+5 EDT,M4.1.0/2,M10.5.0/2", utc(2027, 7, 1, 12, 0), "08:00 EDT"},
		{"EST5EDT,M3.2.0,M11.1.0", utc(2027, 1, 1, 12, 0), "07:00 EST"},
		// Southern hemisphere: daylight saving across the new year.
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", utc(2027, 1, 1, 0, 0), "11:00 AEDT"},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", utc(2027, 7, 1, 0, 0), "10:00 AEST"},
		// Quoted names, minutes, Julian days.
		{"<+0530>-5:30", utc(2027, 7, 1, 0, 0), "05:30 +0530"},
		{"XST3XDT,J60/2,J300/2", utc(2027, 6, 1, 12, 0), "10:00 XDT"},
		{"UTC0", utc(2027, 6, 1, 12, 0), "12:00 UTC"},
	}
	for _, c := range cases {
		loc, err := policy.ParsePOSIXTZ(c.tz)
		if err != nil {
			t.Errorf("%q: %v", c.tz, err)
			continue
		}
		if got := c.at.In(loc).Format("15:04 MST"); got != c.want {
			t.Errorf("%q at %s: %s, want %s", c.tz, c.at.Format(time.RFC3339), got, c.want)
		}
	}
	for _, bad := range []string{"", "garbage", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "CET-1,M3.5.0,M10.5.0",
		":Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3\n", strings.Repeat("A", 300) + "-1"} {
		if _, err := policy.ParsePOSIXTZ(bad); err == nil || !strings.Contains(err.Error(), "POSIX TZ string") && !strings.Contains(err.Error(), "empty") {
			t.Errorf("%q: accepted or unclear error: %v", bad, err)
		}
	}
}

// TestDeviceTimeZone: the zone is read from what the device reports, in
// order of trust; what cannot be read says why.
func TestDeviceTimeZone(t *testing.T) {
	at := time.Date(2027, 7, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		values map[string]string
		want   string // local time, "" when no zone
		source string
	}{
		{map[string]string{policy.TZParamTR181: "CET-1CEST,M3.5.0,M10.5.0/3"}, "14:00", "Device.Time.LocalTimeZone = CET-1CEST"},
		{map[string]string{policy.TZParamTR098Name: "EST+5 EDT,M4.1.0/2,M10.5.0/2", policy.TZParamTR098: "-05:00"}, "08:00", "LocalTimeZoneName = EST+5"},
		{map[string]string{policy.TZParamTR098Name: "Asia/Tokyo"}, "21:00", "LocalTimeZoneName = Asia/Tokyo"},
		// A bare offset has no daylight saving.
		{map[string]string{policy.TZParamTR098Name: "", policy.TZParamTR098: "+01:00"}, "13:00", "InternetGatewayDevice.Time.LocalTimeZone = +01:00"},
		{map[string]string{policy.TZParamTR181: "not a zone"}, "", "Device.Time.LocalTimeZone: POSIX TZ string"},
		{map[string]string{policy.TZParamTR098: "+25:00"}, "", "not +hh:mm"},
		{map[string]string{policy.TZParamTR181: ""}, "", "Device.Time.LocalTimeZone is empty"},
		{nil, "", "reports no time zone"},
	}
	for _, c := range cases {
		z := policy.DeviceTimeZone(c.values)
		got := ""
		if z.Loc != nil {
			got = at.In(z.Loc).Format("15:04")
		}
		if got != c.want || !strings.Contains(z.Source, c.source) {
			t.Errorf("%v: %q (%s), want %q (%s)", c.values, got, z.Source, c.want, c.source)
		}
	}
}

// TestWindowDeviceLocal: at one instant, two devices in different zones
// are one inside and one outside the same 02:00-04:00 device-local
// window; a device without a zone is judged in the fallback zone and
// the reason is kept; and the window follows daylight saving.
func TestWindowDeviceLocal(t *testing.T) {
	w := policy.Window{Cron: "0 2 * * *", Duration: 2 * time.Hour, TimeZone: policy.TimeZoneDevice, FallbackTimeZone: "Asia/Tokyo"}
	c := &policy.Campaign{Name: "c", Policy: "p", First: "100%", Within: time.Hour, Windows: []policy.Window{w}}
	if err := policy.CheckCampaign(c); err != nil {
		t.Fatal(err)
	}
	paris := policy.DeviceTimeZone(map[string]string{policy.TZParamTR181: "CET-1CEST,M3.5.0,M10.5.0/3"})
	newYork := policy.DeviceTimeZone(map[string]string{policy.TZParamTR181: "EST5EDT,M3.2.0,M11.1.0"})
	garbage := policy.DeviceTimeZone(map[string]string{policy.TZParamTR181: "soon"})
	now := time.Date(2027, 1, 15, 1, 30, 0, 0, time.UTC) // 02:30 in Paris, 20:30 in New York, 10:30 in Tokyo
	if open, zone := c.InWindowFor(now, &paris); !open || !strings.Contains(zone, "device: Device.Time.LocalTimeZone = CET") {
		t.Errorf("Paris at 02:30: %v %s", open, zone)
	}
	if open, _ := c.InWindowFor(now, &newYork); open {
		t.Error("New York at 20:30 is in the 02:00 window")
	}
	if open, zone := c.InWindowFor(now, &garbage); open || !strings.Contains(zone, "Asia/Tokyo (fallback: Device.Time.LocalTimeZone") {
		t.Errorf("garbage zone: %v %s", open, zone)
	}
	if open, zone := c.InWindowFor(time.Date(2027, 1, 15, 17, 30, 0, 0, time.UTC), nil); !open || !strings.Contains(zone, "Asia/Tokyo (fallback") {
		t.Errorf("unknown zone at 02:30 Tokyo: %v %s", open, zone)
	}
	if open, _ := c.InWindowFor(time.Date(2027, 1, 15, 7, 30, 0, 0, time.UTC), &newYork); !open {
		t.Error("New York at 02:30 is outside the window")
	}
	// Daylight saving: a 03:00-04:00 window in Paris is 02:00-03:00 UTC
	// in winter and 01:00-02:00 UTC in summer (switch on 2027-03-28).
	dst := &policy.Campaign{Name: "d", Policy: "p", First: "1", Within: time.Hour,
		Windows: []policy.Window{{Cron: "0 3 * * *", Duration: time.Hour, TimeZone: policy.TimeZoneDevice}}}
	fixed := policy.DeviceTimeZone(map[string]string{policy.TZParamTR098: "+01:00"})
	for _, c := range []struct {
		at           time.Time
		paris, fixed bool
	}{
		{time.Date(2027, 3, 27, 2, 30, 0, 0, time.UTC), true, true},
		{time.Date(2027, 3, 27, 1, 30, 0, 0, time.UTC), false, false},
		{time.Date(2027, 3, 29, 1, 30, 0, 0, time.UTC), true, false},
		{time.Date(2027, 3, 29, 2, 30, 0, 0, time.UTC), false, true},
		// Autumn (2027-10-31): back to 02:00-03:00 UTC.
		{time.Date(2027, 10, 30, 1, 30, 0, 0, time.UTC), true, false},
		{time.Date(2027, 11, 1, 2, 30, 0, 0, time.UTC), true, true},
		{time.Date(2027, 11, 1, 1, 30, 0, 0, time.UTC), false, false},
	} {
		if open, _ := dst.InWindowFor(c.at, &paris); open != c.paris {
			t.Errorf("Paris at %s: open %v", c.at.Format(time.RFC3339), open)
		}
		if open, _ := dst.InWindowFor(c.at, &fixed); open != c.fixed {
			t.Errorf("+01:00 at %s: open %v", c.at.Format(time.RFC3339), open)
		}
	}
	// ShouldStartIn records the zone a device was judged in.
	st := policy.StartCampaign([]string{"a"})
	st.Advance(c, now)
	if st.ShouldStartIn(c, "a", now, &newYork) || !strings.Contains(st.Devices["a"].Zone, "EST5EDT") {
		t.Fatalf("New York device: %+v", st.Devices["a"])
	}
	if !st.ShouldStartIn(c, "a", now, &paris) {
		t.Fatal("Paris device did not start in its window")
	}
	// A fallback zone is only for device-local windows.
	bad := &policy.Campaign{Name: "b", Policy: "p", First: "1", Within: time.Hour,
		Windows: []policy.Window{{Cron: "0 3 * * *", Duration: time.Hour, TimeZone: "UTC", FallbackTimeZone: "Asia/Tokyo"}}}
	if err := policy.CheckCampaign(bad); err == nil || !strings.Contains(err.Error(), "fallbackTimeZone") {
		t.Fatalf("fallback on a UTC window: %v", err)
	}
}

// FuzzParsePOSIXTZ: any string is a zone or an error, never a panic; a
// zone converts instants across many years.
func FuzzParsePOSIXTZ(f *testing.F) {
	for _, s := range []string{"CET-1CEST,M3.5.0,M10.5.0/3", "EST+5 EDT,M4.1.0/2,M10.5.0/2", "<+03>-3", "XST3XDT,J60/2,J300/2",
		"AEST-10AEDT,M10.1.0,M4.1.0/3", "A1B,0/-167,365/167", "garbage", "<", "CET-1CEST,M3.5.9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := policy.ParsePOSIXTZ(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for y := 1971; y < 2100; y += 7 {
			time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC).In(loc).Format(time.RFC3339)
		}
	})
}

// BenchmarkDeviceLocalWindow: what judging a device-local window costs
// per session (reading the zone from the reported string, then the
// window's cron in that zone).
func BenchmarkDeviceLocalWindow(b *testing.B) {
	c := &policy.Campaign{Name: "c", Policy: "p", First: "1", Within: time.Hour,
		Windows: []policy.Window{{Cron: "0 2 * * *", Duration: 2 * time.Hour, TimeZone: policy.TimeZoneDevice}}}
	values := map[string]string{policy.TZParamTR181: "CET-1CEST,M3.5.0,M10.5.0/3"}
	now := time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		z := policy.DeviceTimeZone(values)
		c.InWindowFor(now, &z)
	}
}
