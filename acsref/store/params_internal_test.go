package store

import "testing"

// TestDictCache: the writer's dictionary cache keeps what a committed
// transaction read or added, drops what a failed one did (those ids are
// not in the database), and holds at most two generations of max
// entries, an old entry that is used moving to the new generation.
func TestDictCache(t *testing.T) {
	c := newDictCache(2)
	c.stage("a", 1)
	if id, ok := c.get("a"); !ok || id != 1 {
		t.Fatalf("a staged entry is not seen inside its transaction: %d %v", id, ok)
	}
	c.rollback()
	if _, ok := c.get("a"); ok {
		t.Fatal("an entry of a rolled back transaction stayed")
	}
	c.stage("a", 1)
	c.stage("b", 2)
	c.commit()
	for s, want := range map[string]int64{"a": 1, "b": 2} {
		if id, ok := c.get(s); !ok || id != want {
			t.Fatalf("get(%q) after commit = %d %v, want %d", s, id, ok, want)
		}
	}
	// A third entry starts a new generation; the old one still answers,
	// and what it answers moves to the new one.
	c.stage("c", 3)
	c.commit()
	if len(c.cur) != 1 || len(c.old) != 2 {
		t.Fatalf("generations %v / %v, want 1 new and 2 old entries", c.cur, c.old)
	}
	if id, ok := c.get("a"); !ok || id != 1 {
		t.Fatalf("get(a) from the old generation = %d %v", id, ok)
	}
	c.stage("d", 4)
	c.commit() // the new generation is full (c, a): d starts another; b is gone
	if _, ok := c.get("b"); ok {
		t.Fatal("an entry unused for two generations stayed")
	}
	for s, want := range map[string]int64{"a": 1, "c": 3, "d": 4} {
		if id, ok := c.get(s); !ok || id != want {
			t.Fatalf("get(%q) = %d %v, want %d", s, id, ok, want)
		}
	}
	if n := len(c.cur) + len(c.old); n > 4 {
		t.Fatalf("%d entries held, want at most 2 generations of 2", n)
	}
}

// TestPrefixUpper: the upper bound of a prefix range is the least string
// above every string with the prefix; none for "" or a last byte without
// an ASCII successor.
func TestPrefixUpper(t *testing.T) {
	for prefix, want := range map[string]string{"Device.IP.": "Device.IP/", "Device.A_": "Device.A`", "a": "b"} {
		got, ok := prefixUpper(prefix)
		if !ok || got != want {
			t.Errorf("prefixUpper(%q) = %q %v, want %q", prefix, got, ok, want)
		}
		for _, s := range []string{prefix, prefix + "x", prefix + "\xff\xff"} {
			if !(s >= prefix && s < got) {
				t.Errorf("%q is outside [%q, %q)", s, prefix, got)
			}
		}
	}
	for _, prefix := range []string{"", "Device.~", "Device.É"} {
		if _, ok := prefixUpper(prefix); ok {
			t.Errorf("prefixUpper(%q): a bound, want none", prefix)
		}
	}
}
