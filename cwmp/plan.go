package cwmp

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A plan says how to encode and decode one struct type: its elements in
// schema order, read from the `cwmp` struct tags. Plans are built once per
// type and cached.
//
// Tag syntax: `cwmp:"Element[,option]..."` with options
//
//	omitempty       minOccurs=0: the zero value is not encoded
//	trim            decoding trims surrounding whitespace (names, codes)
//	max=N           strings: at most N characters (applies to array items)
//	check=NAME      a named schema facet (see checkString / checkInt)
//	range=LO..HI    integers: inclusive bounds
//	array=P:T       a SOAP-ENC array whose arrayType is P:T[n]; the item
//	                elements are named T
//	repeated        a slice encoded as repeated elements (not an array)
//	items=MIN..MAX  slices: item count bounds (MAX empty = unbounded)
type plan struct {
	fields []fieldPlan
}

type fieldKind uint8

const (
	kindString fieldKind = iota
	kindBool
	kindInt
	kindUint32
	kindFaultCode
	kindTime
	kindBytes
	kindStruct
	kindParamValue
	kindOperation
)

type fieldPlan struct {
	name      string
	index     []int
	kind      fieldKind // of the field, or of the items of a slice
	slice     bool
	arrayType string // "" unless a SOAP array
	itemName  string
	omitEmpty bool
	trim      bool
	maxLen    int
	check     string
	hasRange  bool
	lo, hi    int64
	minItems  int
	maxItems  int // -1 = unbounded
	sub       *plan
}

var (
	planCache sync.Map // reflect.Type -> *plan
	timeType  = reflect.TypeOf(time.Time{})
	pvsType   = reflect.TypeOf(ParameterValueStruct{})
	opType    = reflect.TypeOf((*Operation)(nil)).Elem()
	fcType    = reflect.TypeOf(FaultCode(0))
	bytesType = reflect.TypeOf([]byte(nil))
)

func planFor(t reflect.Type) *plan {
	if p, ok := planCache.Load(t); ok {
		return p.(*plan)
	}
	p, err := buildPlan(t)
	if err != nil {
		// A tag error is a programming error in this package, caught by
		// the tests that build every message type.
		panic(err)
	}
	actual, _ := planCache.LoadOrStore(t, p)
	return actual.(*plan)
}

func buildPlan(t reflect.Type) (*plan, error) {
	p := &plan{}
	if err := addFields(p, t, nil); err != nil {
		return nil, err
	}
	return p, nil
}

func addFields(p *plan, t reflect.Type, prefix []int) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if err := addFields(p, sf.Type, index); err != nil {
				return err
			}
			continue
		}
		tag, ok := sf.Tag.Lookup("cwmp")
		if !ok {
			return fmt.Errorf("cwmp: %s.%s has no cwmp tag", t.Name(), sf.Name)
		}
		fp, err := parseFieldTag(tag, sf.Type)
		if err != nil {
			return fmt.Errorf("cwmp: %s.%s: %w", t.Name(), sf.Name, err)
		}
		fp.index = index
		p.fields = append(p.fields, fp)
	}
	return nil
}

func parseFieldTag(tag string, ft reflect.Type) (fieldPlan, error) {
	parts := strings.Split(tag, ",")
	fp := fieldPlan{name: parts[0], maxItems: -1}
	repeated := false
	for _, opt := range parts[1:] {
		key, val, _ := strings.Cut(opt, "=")
		switch key {
		case "omitempty":
			fp.omitEmpty = true
		case "trim":
			fp.trim = true
		case "repeated":
			repeated = true
		case "max":
			n, err := strconv.Atoi(val)
			if err != nil {
				return fp, fmt.Errorf("bad max %q", val)
			}
			fp.maxLen = n
		case "check":
			fp.check = val
		case "range":
			lo, hi, ok := strings.Cut(val, "..")
			l, err1 := strconv.ParseInt(lo, 10, 64)
			h, err2 := strconv.ParseInt(hi, 10, 64)
			if !ok || err1 != nil || err2 != nil {
				return fp, fmt.Errorf("bad range %q", val)
			}
			fp.hasRange, fp.lo, fp.hi = true, l, h
		case "array":
			fp.arrayType = val
			_, local, ok := strings.Cut(val, ":")
			if !ok {
				return fp, fmt.Errorf("bad array type %q", val)
			}
			fp.itemName = local
		case "items":
			lo, hi, ok := strings.Cut(val, "..")
			l, err := strconv.Atoi(lo)
			if !ok || err != nil {
				return fp, fmt.Errorf("bad items %q", val)
			}
			fp.minItems = l
			if hi != "" {
				h, err := strconv.Atoi(hi)
				if err != nil {
					return fp, fmt.Errorf("bad items %q", val)
				}
				fp.maxItems = h
			}
		default:
			return fp, fmt.Errorf("unknown tag option %q", opt)
		}
	}
	et := ft
	if ft.Kind() == reflect.Slice && ft != bytesType {
		if fp.arrayType == "" && !repeated {
			return fp, fmt.Errorf("slice needs array= or repeated")
		}
		fp.slice = true
		et = ft.Elem()
	} else if fp.arrayType != "" || repeated {
		return fp, fmt.Errorf("array= or repeated on a non-slice")
	}
	switch {
	case et == timeType:
		fp.kind = kindTime
	case et == pvsType:
		fp.kind = kindParamValue
	case et == opType:
		fp.kind = kindOperation
	case et == fcType:
		fp.kind = kindFaultCode
	case et == bytesType:
		fp.kind = kindBytes
	case et.Kind() == reflect.String:
		fp.kind = kindString
	case et.Kind() == reflect.Bool:
		fp.kind = kindBool
	case et.Kind() == reflect.Int:
		fp.kind = kindInt
	case et.Kind() == reflect.Uint32:
		fp.kind = kindUint32
	case et.Kind() == reflect.Struct:
		fp.kind = kindStruct
		sub, err := buildPlan(et)
		if err != nil {
			return fp, err
		}
		fp.sub = sub
	default:
		return fp, fmt.Errorf("unsupported type %s", et)
	}
	return fp, nil
}
