package store

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// Transcript ids are ULIDs (https://github.com/ulid/spec) written in
// lower-case Crockford base32: 26 characters, the first 10 the creation time
// in milliseconds, the rest random. They sort by time, so the newest
// transcripts are told apart by their first 7 or 8 characters, which is all
// a user needs to type. Within one process ids are strictly increasing, even
// inside one millisecond.

const (
	idLen     = 26
	crockford = "0123456789abcdefghjkmnpqrstvwxyz"
	timeChars = 10
)

// idGen hands out increasing ids; the process has one, ids.
type idGen struct {
	sync.Mutex
	lastMS   int64
	hi       uint16 // top 16 of the 80 random bits
	lo       uint64 // low 64 random bits
	hasValue bool
}

var ids idGen

// newID returns a new id for time t from the process's generator.
func newID(t time.Time) string { return ids.next(t) }

// next returns a new id for time t, after every id g gave before.
func (g *idGen) next(t time.Time) string {
	ms := t.UnixMilli()
	g.Lock()
	if g.hasValue && ms <= g.lastMS {
		// Same (or an earlier, by a clock step back) millisecond: keep the
		// last time and increment the random part, so ids stay ordered.
		ms = g.lastMS
		g.lo++
		if g.lo == 0 {
			g.hi++
		}
	} else {
		var b [10]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand documents this)
		g.hi = binary.BigEndian.Uint16(b[:2])
		g.lo = binary.BigEndian.Uint64(b[2:])
		g.lastMS = ms
		g.hasValue = true
	}
	hi, lo := g.hi, g.lo
	g.Unlock()

	var out [idLen]byte
	// 48-bit time in 10 characters (the first holds 3 bits).
	for i := timeChars - 1; i >= 0; i-- {
		out[i] = crockford[ms&31]
		ms >>= 5
	}
	// 80 random bits in 16 characters, 5 bits each, from the low end.
	for i := idLen - 1; i >= timeChars; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | uint64(hi&31)<<59
		hi >>= 5
	}
	return string(out[:])
}

// normalizeRef lower-cases an id or prefix typed by a user and maps the
// letters Crockford's alphabet leaves out to the digits they look like.
// It reports false when ref holds a character no id can contain.
func normalizeRef(ref string) (string, bool) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	b := []byte(ref)
	for i, c := range b {
		switch c {
		case 'i', 'l':
			b[i] = '1'
		case 'o':
			b[i] = '0'
		}
		if strings.IndexByte(crockford, b[i]) < 0 {
			return ref, false
		}
	}
	return string(b), len(b) > 0 && len(b) <= idLen
}

// validID reports whether s has the form of a full transcript id.
func validID(s string) bool {
	n, ok := normalizeRef(s)
	return ok && n == s && len(s) == idLen
}
