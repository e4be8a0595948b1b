package host

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// change is what happened to a resource on one side since the journal.
type change int

const (
	absent    change = iota // neither there nor in the journal
	unchanged               // as the journal says
	changed                 // other content than the journal's
	created                 // there, and not in the journal
	deleted                 // in the journal, not there
	unknown                 // the journal knows it, the side's read cannot say (incomplete)
)

func (c change) String() string {
	return [...]string{"absent", "unchanged", "changed", "new", "deleted", "unknown"}[c]
}

// verdict is what a run does with one resource.
type verdict int

const (
	keep     verdict = iota // nothing to do
	agree                   // both sides hold the same (a change made on both, or a resync): record it
	copyTo                  // write the source side's version to the other side
	deleteOn                // delete it on one side, as it was deleted on the other
	forget                  // deleted on both: drop it from the journal
	conflict                // changed differently on both sides, left as it is
	skipped                 // a side cannot say; left as it is
)

// bitem is one resource of a bisync.
type bitem struct {
	key    Key
	cur    [2]*found     // what each side holds now; nil when absent
	j      *journalEntry // nil when the journal does not know it
	change [2]change
	// verdict and, for copyTo and deleteOn, the side written to.
	verdict verdict
	to      int
	reason  string
	// settled is set once the verdict was carried out (or needs nothing).
	settled bool
}

// classifyAll pairs what both sides hold with the journal and decides
// every resource.
func (b *bisyncRun) classifyAll() {
	add := func(k Key) *bitem {
		it := b.items[k]
		if it == nil {
			it = &bitem{key: k}
			b.items[k] = it
		}
		return it
	}
	for i, s := range b.sides {
		for k, f := range s.inv.items {
			add(k).cur[i] = f
		}
	}
	for k, e := range b.journal.entries {
		if b.opts.Filter.Match(k.Type, k.ID) {
			add(k).j = e
		}
	}
	b.keys = b.keys[:0]
	for k, it := range b.items {
		b.keys = append(b.keys, k)
		b.decide(it)
	}
	slices.SortFunc(b.keys, compareKeys)
}

// decide classifies it on each side and picks its verdict.
func (b *bisyncRun) decide(it *bitem) {
	it.settled = false
	var jfp [sha256.Size]byte
	if it.j != nil {
		jfp, _ = parseFingerprint(it.j.Fingerprint)
	}
	for i, f := range it.cur {
		switch {
		case it.j == nil && f == nil:
			it.change[i] = absent
		case it.j == nil:
			it.change[i] = created
		case f == nil && !b.sides[i].trusted:
			it.change[i] = unknown
		case f == nil:
			it.change[i] = deleted
		case f.fp == jfp:
			it.change[i] = unchanged
		default:
			it.change[i] = changed
		}
	}
	a, c := it.change[0], it.change[1]
	present := func(x change) bool { return x == changed || x == created || x == unchanged }
	edited := func(x change) bool { return x == changed || x == created || x == deleted }
	switch {
	case a == unknown || c == unknown:
		it.verdict, it.reason = skipped, "not compared: a side was read incompletely"
	case !edited(a) && !edited(c):
		it.verdict = keep
		if a == absent && c == absent {
			it.verdict = forget
		}
	case a == deleted && c == deleted:
		it.verdict, it.reason = forget, "deleted on both sides"
	case present(a) && present(c) && it.cur[0].fp == it.cur[1].fp:
		it.verdict, it.reason = agree, "the same on both sides"
	case edited(a) && !edited(c):
		b.oneSided(it, 0)
	case edited(c) && !edited(a):
		b.oneSided(it, 1)
	default:
		b.resolve(it)
	}
}

// oneSided propagates what side from did to the other side.
func (b *bisyncRun) oneSided(it *bitem, from int) {
	to := 1 - from
	it.to = to
	switch it.change[from] {
	case deleted:
		it.verdict, it.reason = deleteOn, "deleted on "+sideNames[from]
	case created:
		it.verdict, it.reason = copyTo, "new on "+sideNames[from]
	default:
		it.verdict, it.reason = copyTo, "changed on "+sideNames[from]
	}
}

// resolve decides a resource both sides changed differently, by the
// conflict policy.
func (b *bisyncRun) resolve(it *bitem) {
	what := fmt.Sprintf("%s on A, %s on B", it.change[0], it.change[1])
	winner := -1
	switch b.opts.Conflict {
	case ConflictA:
		winner = 0
	case ConflictB:
		winner = 1
	case ConflictNewer:
		var why string
		winner, why = b.newer(it)
		if winner < 0 {
			it.verdict, it.reason = conflict, what+" ("+why+")"
			return
		}
		what += ", " + why
	default:
		it.verdict, it.reason = conflict, what
		return
	}
	it.to = 1 - winner
	it.verdict, it.reason = copyTo, "conflict: "+what+"; "+sideNames[winner]+" wins"
	if it.cur[winner] == nil {
		it.verdict = deleteOn
	}
}

// newer picks the side whose update field is greater, or -1 and why not.
func (b *bisyncRun) newer(it *bitem) (int, string) {
	var vals [2]updateValue
	for i, f := range it.cur {
		if f == nil {
			return -1, "deleted on " + sideNames[i] + ", so no update time to compare"
		}
		v, err := b.updateOf(f)
		if err != nil {
			return -1, fmt.Sprintf("%s on %s", err, sideNames[i])
		}
		vals[i] = v
	}
	c, err := vals[0].compare(vals[1])
	switch {
	case err != nil:
		return -1, err.Error()
	case c > 0:
		return 0, fmt.Sprintf("A's %s is newer (%s > %s)", b.opts.UpdatedField, vals[0].text, vals[1].text)
	case c < 0:
		return 1, fmt.Sprintf("B's %s is newer (%s > %s)", b.opts.UpdatedField, vals[1].text, vals[0].text)
	}
	return -1, fmt.Sprintf("%s is %s on both sides", b.opts.UpdatedField, vals[0].text)
}

// updateValue is an update field: a time or an integer version.
type updateValue struct {
	text string
	t    time.Time
	n    *big.Int
}

func (v updateValue) compare(w updateValue) (int, error) {
	switch {
	case v.n != nil && w.n != nil:
		return v.n.Cmp(w.n), nil
	case v.n == nil && w.n == nil:
		return v.t.Compare(w.t), nil
	}
	return 0, fmt.Errorf("one side's update field is a time, the other's a number (%s, %s)", v.text, w.text)
}

// updateOf reads the update field of a resource's body.
func (b *bisyncRun) updateOf(f *found) (updateValue, error) {
	if !hasBody(f) {
		return updateValue{}, fmt.Errorf("no body to read the update field from")
	}
	body, err := b.spill.get(f.body)
	if err != nil {
		return updateValue{}, err
	}
	doc, err := sdk.UnmarshalJSON(body)
	if err != nil {
		return updateValue{}, err
	}
	raw, ok := lookup(doc, b.updated)
	if !ok {
		return updateValue{}, fmt.Errorf("no %s field", b.opts.UpdatedField)
	}
	switch x := raw.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			if n, ok := new(big.Int).SetString(x, 10); ok {
				return updateValue{text: x, n: n}, nil
			}
			return updateValue{}, fmt.Errorf("%s %q is neither an RFC 3339 time nor an integer", b.opts.UpdatedField, x)
		}
		return updateValue{text: x, t: t}, nil
	case json.Number:
		n, ok := new(big.Int).SetString(x.String(), 10)
		if !ok {
			return updateValue{}, fmt.Errorf("%s %s is not an integer", b.opts.UpdatedField, x)
		}
		return updateValue{text: x.String(), n: n}, nil
	}
	return updateValue{}, fmt.Errorf("%s is not a time or an integer", b.opts.UpdatedField)
}

// parseFingerprint reads "sha256:HEX".
func parseFingerprint(s string) ([sha256.Size]byte, error) {
	var out [sha256.Size]byte
	hexPart, ok := strings.CutPrefix(s, "sha256:")
	b, err := hex.DecodeString(hexPart)
	if !ok || err != nil || len(b) != sha256.Size {
		return out, fmt.Errorf("fingerprint %q is not sha256:HEX", s)
	}
	copy(out[:], b)
	return out, nil
}
