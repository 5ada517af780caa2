package cmdgen

import (
	"fmt"
	"sort"
	"strings"
)

// command is one COMMAND entry as the generator needs it.
type command struct {
	name              string
	arity             int
	flags             []string // Redis flags, then Dynomite's ("multikey", ...)
	first, last, step int
	specs             []keySpec
	subs              []*command
}

// keySpec is one key specification of COMMAND INFO.
type keySpec struct {
	flags     []string
	beginType string // index, keyword, unknown
	index     int
	keyword   string
	startFrom int
	findType  string // range, keynum, unknown
	lastKey   int
	keyStep   int
	limit     int
	keyNumIdx int
	firstKey  int
}

// decodeAll decodes the COMMAND reply, sorted by name, subcommands too.
func decodeAll(reply any) ([]*command, error) {
	arr, ok := reply.([]any)
	if !ok {
		return nil, fmt.Errorf("COMMAND: want an array, got %T", reply)
	}
	var cmds []*command
	for _, e := range arr {
		c, err := decodeCommand(e)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
	}
	sortCommands(cmds)
	return cmds, nil
}

func sortCommands(cmds []*command) {
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		sortCommands(c.subs)
	}
}

// decodeCommand decodes [name arity flags first last step acl tips specs subs].
func decodeCommand(v any) (*command, error) {
	a, ok := v.([]any)
	if !ok || len(a) < 10 {
		return nil, fmt.Errorf("COMMAND entry: want 10 fields, got %v", v)
	}
	c := &command{
		name:  strings.ToLower(string(asBytes(a[0]))),
		arity: int(asInt(a[1])),
		first: int(asInt(a[3])),
		last:  int(asInt(a[4])),
		step:  int(asInt(a[5])),
	}
	for _, f := range asArray(a[2]) {
		c.flags = append(c.flags, string(asBytes(f)))
	}
	for _, s := range asArray(a[8]) {
		ks, err := decodeSpec(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		c.specs = append(c.specs, ks)
	}
	for _, s := range asArray(a[9]) {
		sub, err := decodeCommand(s)
		if err != nil {
			return nil, err
		}
		c.subs = append(c.subs, sub)
	}
	return c, nil
}

// decodeSpec decodes a key spec map (a flat key/value array in RESP2).
func decodeSpec(v any) (keySpec, error) {
	var ks keySpec
	m := asMap(v)
	for _, f := range asArray(m["flags"]) {
		ks.flags = append(ks.flags, string(asBytes(f)))
	}
	bs, fk := asMap(m["begin_search"]), asMap(m["find_keys"])
	ks.beginType = string(asBytes(bs["type"]))
	bspec := asMap(bs["spec"])
	switch ks.beginType {
	case "index":
		ks.index = int(asInt(bspec["index"]))
	case "keyword":
		ks.keyword = strings.ToUpper(string(asBytes(bspec["keyword"])))
		ks.startFrom = int(asInt(bspec["startfrom"]))
	case "unknown":
	default:
		return ks, fmt.Errorf("unknown begin_search type %q", ks.beginType)
	}
	ks.findType = string(asBytes(fk["type"]))
	fspec := asMap(fk["spec"])
	switch ks.findType {
	case "range":
		ks.lastKey = int(asInt(fspec["lastkey"]))
		ks.keyStep = int(asInt(fspec["keystep"]))
		ks.limit = int(asInt(fspec["limit"]))
	case "keynum":
		ks.keyNumIdx = int(asInt(fspec["keynumidx"]))
		ks.firstKey = int(asInt(fspec["firstkey"]))
		ks.keyStep = int(asInt(fspec["keystep"]))
	case "unknown":
	default:
		return ks, fmt.Errorf("unknown find_keys type %q", ks.findType)
	}
	return ks, nil
}

func asArray(v any) []any {
	a, _ := v.([]any)
	return a
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

func asInt(v any) int64 {
	n, _ := v.(int64)
	return n
}

// asMap turns a flat key/value array into a map.
func asMap(v any) map[string]any {
	a := asArray(v)
	m := make(map[string]any, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		m[string(asBytes(a[i]))] = a[i+1]
	}
	return m
}
