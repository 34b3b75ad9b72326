package policy

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Device-local time zones for maintenance windows. A CPE reports its
// zone as a POSIX TZ string (TR-181 Device.Time.LocalTimeZone,
// "CET-1CEST,M3.5.0,M10.5.0/3"; TR-098 InternetGatewayDevice.Time.
// LocalTimeZoneName in its later versions) or, in early TR-098, as a
// bare offset (InternetGatewayDevice.Time.LocalTimeZone, "+01:00").
//
// No Go library for POSIX TZ strings is among the chosen ones, and the
// standard library already has a complete, maintained evaluator: the
// footer of a TZif file (RFC 8536 section 3.3) is exactly a POSIX TZ
// string, and a TZif file with no transitions is, by RFC 8536, in the
// footer's zone at every instant. ParsePOSIXTZ builds that small file
// and hands it to time.LoadLocationFromTZData, so the DST rules (Mm.w.d,
// Jn, n, transition times, quoted <+03> names) are the standard
// library's. What it checks itself is only what the library accepts
// silently: a footer it cannot read leaves the zone of type 0, which
// here is a sentinel the check detects.

// Parameters a device reports its time zone in, in the order they are
// trusted.
const (
	TZParamTR181     = "Device.Time.LocalTimeZone"
	TZParamTR098Name = "InternetGatewayDevice.Time.LocalTimeZoneName"
	TZParamTR098     = "InternetGatewayDevice.Time.LocalTimeZone"
)

// TimeZoneParams are the parameters DeviceTimeZone reads.
var TimeZoneParams = []string{TZParamTR181, TZParamTR098Name, TZParamTR098}

// maxTZLen bounds a TZ string (TR-181 gives LocalTimeZone string(256)).
const maxTZLen = 256

// tzSentinel is the abbreviation of the TZif file's only time type: a
// location still in it at some instant did not read its footer.
const tzSentinel = "DMFTZINVALID"

// ParsePOSIXTZ returns the location a POSIX TZ string describes (IEEE
// 1003.1 section 8.3: std offset [dst [offset] [,start[/time],end[/time]]]).
// Spaces are dropped first (TR-098's own example is "EST+5 EDT,M4.1.0/2,
// M10.5.0/2"). The ":file" form names no rule and is refused.
func ParsePOSIXTZ(s string) (*time.Location, error) {
	orig := s
	if len(s) > maxTZLen {
		return nil, fmt.Errorf("POSIX TZ string of %d bytes (at most %d)", len(s), maxTZLen)
	}
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return nil, fmt.Errorf("empty POSIX TZ string")
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return nil, fmt.Errorf("POSIX TZ string %q: character %q is not printable ASCII", orig, r)
		}
	}
	if s[0] == ':' {
		return nil, fmt.Errorf("POSIX TZ string %q: the :file form names no rule", orig)
	}
	// A rule after a zone without daylight saving ("CET-1,M3.5.0") is
	// accepted by the standard library as the std zone alone; it is a
	// mistake, not a zone.
	if std, rest, ok := splitStd(s); ok && rest != "" && rest[0] == ',' {
		return nil, fmt.Errorf("POSIX TZ string %q: transition rules without a daylight saving zone after %q", orig, std)
	}
	loc, err := time.LoadLocationFromTZData(s, tzif(s))
	if err != nil {
		return nil, fmt.Errorf("POSIX TZ string %q: %v", orig, err)
	}
	// The footer is evaluated per year: probe a few instants of the
	// years a campaign runs in (a rule the library refuses is refused
	// for every year).
	for _, probe := range []int64{0, 1_800_000_000, 4_000_000_000} {
		if name, _ := time.Unix(probe, 0).In(loc).Zone(); name == tzSentinel {
			return nil, fmt.Errorf("POSIX TZ string %q: not std offset [dst [offset] [,start[/time],end[/time]]]", orig)
		}
	}
	return loc, nil
}

// splitStd splits the std name and offset off a TZ string.
func splitStd(s string) (std, rest string, ok bool) {
	i := 0
	if strings.HasPrefix(s, "<") {
		j := strings.IndexByte(s, '>')
		if j < 0 {
			return "", "", false
		}
		i = j + 1
	} else {
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			i++
		}
	}
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '+' || s[j] == '-' || s[j] == ':') {
		j++
	}
	return s[:j], s[j:], j > i
}

// tzif builds a version 2 TZif file (RFC 8536) with no transitions, one
// time type (the sentinel) and the TZ string as its footer.
func tzif(footer string) []byte {
	header := func(b []byte, version byte, typecnt, charcnt uint32) []byte {
		b = append(b, "TZif"...)
		b = append(b, version)
		b = append(b, make([]byte, 15)...)
		for _, n := range []uint32{0, 0, 0, 0, typecnt, charcnt} { // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
			b = binary.BigEndian.AppendUint32(b, n)
		}
		return b
	}
	abbr := tzSentinel + "\x00"
	body := func(b []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, 0) // utoff
		b = append(b, 0, 0)                     // isdst, desigidx
		return append(b, abbr...)
	}
	var b []byte
	b = body(header(b, '2', 1, uint32(len(abbr))))
	b = body(header(b, '2', 1, uint32(len(abbr))))
	b = append(b, '\n')
	b = append(b, footer...)
	return append(b, '\n')
}

// DeviceZone is a device's local time zone as read from what it reports,
// or why it could not be read.
type DeviceZone struct {
	Loc *time.Location
	// Source says where the zone came from ("Device.Time.LocalTimeZone
	// = CET-1CEST,M3.5.0,M10.5.0/3"), or why there is none.
	Source string
}

// DeviceTimeZone reads a device's time zone from its reported values
// (by path, TimeZoneParams): the first one that parses wins; Loc is nil
// when none does, and Source then says why.
func DeviceTimeZone(values map[string]string) DeviceZone {
	var why []string
	for _, p := range TimeZoneParams {
		v, ok := values[p]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			why = append(why, p+" is empty")
			continue
		}
		var loc *time.Location
		var err error
		if p == TZParamTR098 {
			loc, err = parseUTCOffset(v)
		} else {
			loc, err = ParsePOSIXTZ(v)
			if err != nil && p == TZParamTR098Name && strings.Contains(v, "/") && !strings.ContainsAny(v, ",<") {
				// Some TR-098 CPEs report an IANA name here.
				if l, lerr := time.LoadLocation(v); lerr == nil {
					loc, err = l, nil
				}
			}
		}
		if err != nil {
			why = append(why, p+": "+err.Error())
			continue
		}
		return DeviceZone{Loc: loc, Source: p + " = " + v}
	}
	if len(why) == 0 {
		return DeviceZone{Source: "the device reports no time zone (" + strings.Join(TimeZoneParams, ", ") + ")"}
	}
	return DeviceZone{Source: strings.Join(why, "; ")}
}

// parseUTCOffset reads TR-098's LocalTimeZone: "+hh:mm" or "-hh:mm", the
// offset from UTC without daylight saving.
func parseUTCOffset(v string) (*time.Location, error) {
	bad := fmt.Errorf("offset %q: not +hh:mm or -hh:mm", v)
	if len(v) != 6 || v[0] != '+' && v[0] != '-' || v[3] != ':' {
		return nil, bad
	}
	h, err1 := strconv.Atoi(v[1:3])
	m, err2 := strconv.Atoi(v[4:6])
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return nil, bad
	}
	off := h*3600 + m*60
	if v[0] == '-' {
		off = -off
	}
	return time.FixedZone("UTC"+v, off), nil
}
