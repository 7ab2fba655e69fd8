package redismetrics

import "github.com/stackprom/stackprom/cachemetrics"

// class is what a command is to the cache families, and how many keys or
// fields it carries.
type class uint8

const (
	other           class = iota
	readOne               // GET key, GETEX key, GETDEL key, HGET key field
	readKeys              // MGET key…
	readFields            // HMGET key field…
	writeOne              // SET, SETEX, SETNX, PSETEX, HSETNX
	writePairs            // MSET key value…, MSETNX
	writeFieldPairs       // HSET key field value…, HMSET
	deleteKeys            // DEL key…, UNLINK key…
	deleteFields          // HDEL key field…
)

// fixed is the number of arguments before the keys, fields or pairs that
// the class counts: the command name, and the hash's key for fields.
func (c class) fixed() int {
	switch c {
	case readFields, writeFieldPairs, deleteFields:
		return 2
	}
	return 1
}

func (c class) op() cachemetrics.Op {
	switch c {
	case writeOne, writePairs, writeFieldPairs:
		return cachemetrics.OpSet
	case deleteKeys, deleteFields:
		return cachemetrics.OpDelete
	}
	return cachemetrics.OpGet
}

// classify reads a command's name, in any letter case, without allocating.
func classify(args []any) class {
	if len(args) == 0 {
		return other
	}
	name, ok := args[0].(string)
	if !ok || len(name) > maxName {
		return other
	}
	if c := lookup(name); c != other {
		return c
	}
	var b [maxName]byte
	upper := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			upper = true
		}
		b[i] = c
	}
	if !upper {
		return other
	}
	return lookup(string(b[:len(name)]))
}

// maxName is the length of the longest counted command name.
const maxName = 6

func lookup(name string) class {
	switch name {
	case "get", "getex", "getdel", "hget":
		return readOne
	case "mget":
		return readKeys
	case "hmget":
		return readFields
	case "set", "setex", "setnx", "psetex", "hsetnx":
		return writeOne
	case "mset", "msetnx":
		return writePairs
	case "hset", "hmset":
		return writeFieldPairs
	case "del", "unlink":
		return deleteKeys
	case "hdel":
		return deleteFields
	}
	return other
}
