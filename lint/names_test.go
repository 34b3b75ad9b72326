package lint

import "testing"

func TestVendorSplit(t *testing.T) {
	good := map[string][2]string{
		"X_00D09E_Bar":                {"00D09E", "Bar"},
		"X_ACME-EXAMPLE-COM_Foo":      {"ACME-EXAMPLE-COM", "Foo"},
		"X_ACME_EXAMPLE_COM_Foo":      {"ACME_EXAMPLE_COM", "Foo"},
		"X_ACME-EXAMPLE-COM_VLAN":     {"ACME-EXAMPLE-COM", "VLAN"},
		"X_TP-LINK-COM_Mesh":          {"TP-LINK-COM", "Mesh"},
		"X_ACME-EXAMPLE-COM_Foo_Bar":  {"ACME-EXAMPLE-COM", "Foo_Bar"},
		"X_ACME-EXAMPLE-CO-UK_Widget": {"ACME-EXAMPLE-CO-UK", "Widget"},
	}
	for name, want := range good {
		v, r, ok := vendorSplit(name)
		if !ok || v != want[0] || r != want[1] {
			t.Errorf("vendorSplit(%q) = %q, %q, %v; want %q, %q", name, v, r, ok, want[0], want[1])
		}
	}
	for _, name := range []string{"X_ACME_Foo", "X_acme-example-com_Foo", "X_00D09_Foo", "X_00d09e_Foo",
		"X_ACME-EXAMPLE-COM_", "X_ACME-EXAMPLE-123_Foo", "X__Foo", "X_-ACME-COM_Foo"} {
		if v, r, ok := vendorSplit(name); ok {
			t.Errorf("vendorSplit(%q) = %q, %q: want not well-formed", name, v, r)
		}
	}
}

func TestCmpVersion(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"2.19", "2.19", 0}, {"2.2", "2.19", -1}, {"2.20", "2.19", 1}, {"3.0", "2.19", 1}, {"2.19.1", "2.19", 0}, {"1", "1.0", 0}} {
		if got := cmpVersion(c.a, c.b); got != c.want {
			t.Errorf("cmpVersion(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
