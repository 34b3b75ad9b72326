package model

import (
	"testing"
)

func u64(v uint64) *uint64 { return &v }

func TestCheckValue(t *testing.T) {
	str64 := &Syntax{Type: TypeString, Sizes: []Size{{Max: u64(64)}}}
	oui := &Syntax{Type: TypeString, Sizes: []Size{{Min: u64(6), Max: u64(6)}}, Patterns: []Pattern{{Value: "[0-9A-F]{6}"}}}
	vlan := &Syntax{Type: TypeUnsignedInt, Ranges: []Range{{Min: "0", Max: "4094"}}}
	metric := &Syntax{Type: TypeInt, Ranges: []Range{{Min: "-1"}}}
	stepped := &Syntax{Type: TypeUnsignedInt, Ranges: []Range{{Min: "10", Max: "100", Step: "10"}}}
	twoRanges := &Syntax{Type: TypeInt, Ranges: []Range{{Min: "-10", Max: "-5"}, {Min: "5", Max: "10"}}}
	enum := &Syntax{Type: TypeString, Enums: []Enum{{Value: "Up"}, {Value: "Down"}, {Value: "Gone", Status: Deleted}}}
	emptyOrMAC := &Syntax{Type: TypeString, Patterns: []Pattern{{Value: ""}, {Value: "([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])"}}}
	list := &Syntax{Type: TypeUnsignedInt, Ranges: []Range{{Min: "1", Max: "4094"}}, List: &List{MaxItems: u64(3), Size: &Size{Max: u64(10)}}}
	hex := &Syntax{Type: TypeHexBinary, Sizes: []Size{{Max: u64(2)}}}
	b64 := &Syntax{Type: TypeBase64, Sizes: []Size{{Max: u64(3)}}}
	dec := &Syntax{Type: TypeDecimal, Ranges: []Range{{Min: "-1.5", Max: "2.25"}}}
	ulong := &Syntax{Type: TypeUnsignedLong}
	long := &Syntax{Type: TypeLong}
	dt := &Syntax{Type: TypeDateTime}
	dollar := &Syntax{Type: TypeString, Patterns: []Pattern{{Value: "a$b"}}}

	cases := []struct {
		s    *Syntax
		v    string
		rule Rule // "" = valid
	}{
		{str64, "", ""},
		{str64, string(make([]byte, 65)), RuleSize},
		{str64, "ééééé", ""}, // sizes count characters, not bytes
		{oui, "00D09E", ""},
		{oui, "00d09e", RulePattern},
		{oui, "00D09", RuleSize},
		{vlan, "4094", ""},
		{vlan, "4095", RuleRange},
		{vlan, "-1", RuleType},
		{vlan, "4294967296", RuleType},
		{vlan, "12a", RuleType},
		{metric, "-1", ""},
		{metric, "-2", RuleRange},
		{metric, "2147483648", RuleType},
		{stepped, "30", ""},
		{stepped, "35", RuleRange},
		{twoRanges, "-7", ""},
		{twoRanges, "0", RuleRange},
		{twoRanges, "7", ""},
		{enum, "Up", ""},
		{enum, "up", RuleEnumeration},
		{enum, "Gone", RuleEnumeration},
		{emptyOrMAC, "", ""},
		{emptyOrMAC, "00:11:22:aa:BB:cc", ""},
		{emptyOrMAC, "00:11:22:aa:BB", RulePattern},
		{emptyOrMAC, "x00:11:22:aa:BB:cc", RulePattern}, // patterns are anchored
		{list, "", ""},
		{list, "1,2,3", ""},
		{list, "1,2,3,4", RuleList},
		{list, "1,0", RuleRange},
		{list, "4000,4001,4002", RuleList}, // 3 items but 14 characters
		{list, "4000, 4001", ""},           // spaces around items are tolerated
		{hex, "0aFF", ""},
		{hex, "0aF", RuleType},
		{hex, "0a0b0c", RuleSize},
		{b64, "AAEC", ""},
		{b64, "AAECAw==", RuleSize},
		{b64, "AAE", RuleType},
		{b64, "AA!C", RuleType},
		{dec, "2.25", ""},
		{dec, "2.250", ""},
		{dec, "2.2501", RuleRange},
		{dec, "-1.50", ""},
		{dec, "1e3", RuleType},
		{ulong, "18446744073709551615", ""},
		{ulong, "18446744073709551616", RuleType},
		{long, "-9223372036854775808", ""},
		{&Syntax{Type: TypeBoolean}, "true", ""},
		{&Syntax{Type: TypeBoolean}, "1", ""},
		{&Syntax{Type: TypeBoolean}, "yes", RuleType},
		{dt, "0001-01-01T00:00:00Z", ""}, // unknown time
		{dt, "2024-02-29T23:59:59.123456+05:30", ""},
		{dt, "2023-02-29T00:00:00Z", RuleType},
		{dt, "2024-01-01 00:00:00", RuleType},
		{dt, "2024-01-01T00:00:00+15:00", RuleType},
		{dt, "9999-12-31T23:59:59Z", ""}, // infinite time
		{dollar, "a$b", ""},              // $ is literal in XSD regexes
	}
	for _, c := range cases {
		err := CheckValue(c.s, c.v)
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%s %q: unexpected %v", c.s, c.v, err)
		case c.rule != "" && err == nil:
			t.Errorf("%s %q: accepted, want %s violation", c.s, c.v, c.rule)
		case c.rule != "" && err.Rule != c.rule:
			t.Errorf("%s %q: got rule %s (%v), want %s", c.s, c.v, err.Rule, err, c.rule)
		}
	}
}

func TestCompareDecimal(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"-1", "1", -1}, {"-10", "-9", -1}, {"0", "-0", 0},
		{"1.50", "1.5", 0}, {"001", "1", 0}, {"18446744073709551615", "18446744073709551614", 1},
		{"-0.001", "0", -1}, {"2.5", "2.45", 1},
	}
	for _, c := range cases {
		if got := CompareDecimal(c.a, c.b); got != c.want {
			t.Errorf("CompareDecimal(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestSchemaPath(t *testing.T) {
	cases := map[string]string{
		"Device.WiFi.Radio.3.Channel":          "Device.WiFi.Radio.{i}.Channel",
		"Device.WiFi.Radio.3.":                 "Device.WiFi.Radio.{i}.",
		"Device.IP.Interface.1.IPv4Address.2.": "Device.IP.Interface.{i}.IPv4Address.{i}.",
		"Device.IP.Interface.[cpe-wan].Enable": "Device.IP.Interface.{i}.Enable",
		"Device.DeviceInfo.Manufacturer":       "Device.DeviceInfo.Manufacturer",
	}
	for in, want := range cases {
		got, ok := SchemaPath(in)
		if !ok || got != want {
			t.Errorf("SchemaPath(%s) = %s, %v; want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "Device..X", ".Device"} {
		if _, ok := SchemaPath(bad); ok {
			t.Errorf("SchemaPath(%q) accepted a malformed path", bad)
		}
	}
	p, err := InstancePath("Device.IP.Interface.{i}.IPv4Address.{i}.Enable", 1, 2)
	if err != nil || p != "Device.IP.Interface.1.IPv4Address.2.Enable" {
		t.Errorf("InstancePath = %s, %v", p, err)
	}
	if _, err := InstancePath("Device.IP.Interface.{i}.", 1, 2); err == nil {
		t.Errorf("InstancePath accepted too many instance numbers")
	}
	if got := ParentPath("Device.WiFi.Radio.{i}."); got != "Device.WiFi." {
		t.Errorf("ParentPath(table) = %s", got)
	}
	if got := ParentPath("Device.WiFi.Radio.{i}.Channel"); got != "Device.WiFi.Radio.{i}." {
		t.Errorf("ParentPath(param) = %s", got)
	}
}

func TestCompilePatternRejectsBrokenRegex(t *testing.T) {
	if _, err := CompilePattern("[a-z"); err == nil {
		t.Fatal("unterminated class compiled")
	}
	re, err := CompilePattern(`\i\c*`)
	if err != nil || !re.MatchString("_a-b.c") || re.MatchString("1abc") {
		t.Fatalf("XML name escapes: %v", err)
	}
}

func BenchmarkCheckValue(b *testing.B) {
	vlan := &Syntax{Type: TypeUnsignedInt, Ranges: []Range{{Min: "0", Max: "4094"}}}
	mac := &Syntax{Type: TypeString, Sizes: []Size{{Max: u64(17)}}, Patterns: []Pattern{{Value: ""}, {Value: "([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])"}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if CheckValue(vlan, "100") != nil || CheckValue(mac, "00:11:22:33:44:55") != nil {
			b.Fatal("invalid")
		}
	}
}
