package sdktest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// FormatterOpt says which formatter RunFormatter checks and what its
// format cannot hold.
type FormatterOpt struct {
	// Plugin offers the formatter. InProcess serves it; Process serves the
	// plugin given to Main, which must offer it too.
	Plugin sdk.Plugin
	// Name is the formatter's name in its sdk.FormatterSpec.
	Name string

	// SkipValues leaves out the samples (see Samples) the format cannot
	// hold, by name: "null" for a format without nulls.
	SkipValues func(name string) bool
	// Values are extra samples to round-trip, each a JSON object.
	Values []Sample
	// Garbage replaces the kit's documents for the Garbage check; each
	// must be invalid in the format.
	Garbage [][]byte
	// SkipLarge skips the value over 4 MiB.
	SkipLarge bool
}

// defaultGarbage is invalid in JSON, YAML and TOML alike.
var defaultGarbage = [][]byte{
	[]byte("\x00\x01\x02\xff\xfe binary garbage"),
	[]byte(`{"unterminated": [1, 2`),
	[]byte("[[[["),
	[]byte("}{"),
}

// batchSizes are the value counts of the Batches check: around the SDK's
// 256-item batches, and well past them.
var batchSizes = []int{1, 255, 256, 257, 1000}

// RunFormatter checks the formatter opt.Name of opt.Plugin: it describes
// itself, round-trips awkward values exactly, rewrites its own output
// identically, carries values over 4 MiB, answers batches of any size one
// result per value (decoding each batch's documents at once, which -race
// checks), survives cancellation mid-stream, and reports garbage as a
// diagnostic.
func RunFormatter(t *testing.T, opt FormatterOpt) {
	t.Helper()
	if !offersFormatter(opt.Plugin, opt.Name) {
		t.Fatalf("plugin %q offers no formatter named %q", opt.Plugin.Name, opt.Name)
	}
	inBothModes(t, opt.Plugin, func(t *testing.T, conn *grpc.ClientConn) {
		desc, comp := describeComponent(t, conn, pb.Component_KIND_FORMATTER, opt.Name)
		f := &formatterChecks{opt: opt, client: pb.NewFormatterClient(conn), desc: desc, comp: comp}
		t.Run("Describe", f.testDescribe)
		t.Run("RoundTrip", f.testRoundTrip)
		t.Run("Rewrite", f.testRewrite)
		t.Run("Large", f.testLarge)
		t.Run("Batches", f.testBatches)
		t.Run("Cancel", f.testCancel)
		t.Run("Garbage", f.testGarbage)
	})
}

func offersFormatter(p sdk.Plugin, name string) bool {
	for _, f := range p.Formatters {
		if f.Name == name {
			return true
		}
	}
	return false
}

type formatterChecks struct {
	opt    FormatterOpt
	client pb.FormatterClient
	desc   *pb.Describe_Response
	comp   *pb.Component
}

func (f *formatterChecks) testDescribe(t *testing.T) {
	describePlugin(t, f.desc)
	if len(f.comp.GetExtensions()) == 0 {
		t.Error("the formatter declares no file extension")
	}
	for _, ext := range f.comp.GetExtensions() {
		if len(ext) < 2 || ext[0] != '.' || strings.ContainsAny(ext, `/\ `) {
			t.Errorf("extension %q: want a dot and a name, like \".toml\"", ext)
		}
	}
	if len(f.comp.GetMediaTypes()) == 0 {
		t.Error("the formatter declares no media type")
	}
	for _, mt := range f.comp.GetMediaTypes() {
		if !strings.Contains(mt, "/") || strings.ContainsAny(mt, "; \t") {
			t.Errorf("media type %q: want type/subtype without parameters, like \"application/toml\"", mt)
		}
	}
}

// samples are the values this formatter must round-trip.
func (f *formatterChecks) samples() []Sample {
	var out []Sample
	for _, s := range Samples() {
		if f.opt.SkipValues == nil || !f.opt.SkipValues(s.Name) {
			out = append(out, s)
		}
	}
	return append(out, f.opt.Values...)
}

var styles = []struct {
	name  string
	style pb.Encode_Style
}{
	{"File", pb.Encode_STYLE_FILE_UNSPECIFIED},
	{"Stream", pb.Encode_STYLE_STREAM},
}

// roundTrip encodes each value in style and decodes the result, failing
// the test for each value that does not come back exactly.
func (f *formatterChecks) roundTrip(t *testing.T, style pb.Encode_Style, names []string, values [][]byte) {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	in := make([]*pb.Value, len(values))
	for i, v := range values {
		in[i] = &pb.Value{Json: v, Source: "sdktest/" + names[i], Line: 1}
	}
	encoded, err := f.encode(ctx, style, in)
	if err != nil {
		t.Fatal(err)
	}
	var docs []*pb.Document
	var which []int
	for i, r := range encoded {
		if d := r.GetError(); d != nil {
			t.Errorf("%s: Encode failed: %v\nvalue: %s", names[i], fromproto.Error(d), clip(values[i]))
			continue
		}
		docs = append(docs, f.document(names[i], r.GetContent()))
		which = append(which, i)
	}
	decoded, err := f.decode(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	for j, r := range decoded {
		i := which[j]
		f.checkDecoded(t, names[i], docs[j], r, values[i])
	}
}

// checkDecoded checks that a document decoded to exactly want, carrying
// the document's context.
func (f *formatterChecks) checkDecoded(t *testing.T, name string, doc *pb.Document, r *pb.Decode_Result, want []byte) bool {
	t.Helper()
	if d := r.GetError(); d != nil {
		t.Errorf("%s: Decode of its own encoding failed: %v\nencoded: %s", name, fromproto.Error(d), clip(doc.GetContent()))
		return false
	}
	if n := len(r.GetValues()); n != 1 {
		t.Errorf("%s: Decode of one encoded value gave %d values\nencoded: %s", name, n, clip(doc.GetContent()))
		return false
	}
	v := r.GetValues()[0]
	ok := true
	if got := v.GetJson(); !bytes.Equal(got, want) {
		ok = false
		if canon, err := sdk.CanonicalJSON(got); err == nil && bytes.Equal(canon, want) {
			t.Errorf("%s: the decoded value is right but not canonical JSON (sdk.CanonicalJSON): %s", name, clip(got))
		} else {
			t.Errorf("%s: the value did not survive Encode and Decode\n%s\nencoded: %s", name, diff(got, want), clip(doc.GetContent()))
		}
	}
	for _, c := range []struct{ field, got, want string }{
		{"Source", v.GetSource(), doc.GetSource()},
		{"URI", v.GetUri(), doc.GetUri()},
		{"TypeHint", v.GetTypeHint(), doc.GetTypeHint()},
		{"Location", v.GetLocation(), doc.GetLocation()},
	} {
		if c.got != c.want {
			ok = false
			t.Errorf("%s: the decoded value has %s %q; it must carry the document's, %q", name, c.field, c.got, c.want)
		}
	}
	return ok
}

func (f *formatterChecks) testRoundTrip(t *testing.T) {
	samples := f.samples()
	names := make([]string, len(samples))
	values := make([][]byte, len(samples))
	for i, s := range samples {
		names[i], values[i] = s.Name, mustCanonical(s.JSON)
	}
	for _, s := range styles {
		t.Run(s.name, func(t *testing.T) { f.roundTrip(t, s.style, names, values) })
	}
}

// testRewrite checks Encode(Decode(Encode(v))) == Encode(v), byte for
// byte: a sync that changes nothing must write the same bytes, or every
// run would rewrite every file.
func (f *formatterChecks) testRewrite(t *testing.T) {
	samples := f.samples()
	for _, s := range styles {
		t.Run(s.name, func(t *testing.T) {
			ctx, cancel := callContext(t.Context())
			defer cancel()
			in := make([]*pb.Value, len(samples))
			for i, sample := range samples {
				in[i] = &pb.Value{Json: mustCanonical(sample.JSON), Source: "sdktest/" + sample.Name, Line: 1}
			}
			once, err := f.encode(ctx, s.style, in)
			if err != nil {
				t.Fatal(err)
			}
			var docs []*pb.Document
			var which []int
			for i, r := range once {
				if r.GetError() == nil { // failures are RoundTrip's to report
					docs = append(docs, f.document(samples[i].Name, r.GetContent()))
					which = append(which, i)
				}
			}
			decoded, err := f.decode(ctx, docs)
			if err != nil {
				t.Fatal(err)
			}
			var again []*pb.Value
			var which2 []int
			for j, r := range decoded {
				i := which[j]
				if r.GetError() != nil || len(r.GetValues()) != 1 {
					t.Errorf("%s: cannot rewrite: its encoding does not decode to one value", samples[i].Name)
					continue
				}
				again = append(again, r.GetValues()[0])
				which2 = append(which2, i)
			}
			twice, err := f.encode(ctx, s.style, again)
			if err != nil {
				t.Fatal(err)
			}
			for j, r := range twice {
				i := which2[j]
				if d := r.GetError(); d != nil {
					t.Errorf("%s: encoding the decoded value failed: %v", samples[i].Name, fromproto.Error(d))
					continue
				}
				if !bytes.Equal(r.GetContent(), once[i].GetContent()) {
					t.Errorf("%s: rewriting changes the document\n%s", samples[i].Name, diff(r.GetContent(), once[i].GetContent()))
				}
			}
		})
	}
}

func (f *formatterChecks) testLarge(t *testing.T) {
	if f.opt.SkipLarge {
		t.Skip("FormatterOpt.SkipLarge is set")
	}
	value := largeValue(largeSize)
	for _, s := range styles {
		t.Run(s.name, func(t *testing.T) {
			f.roundTrip(t, s.style, []string{"large value"}, [][]byte{value})
		})
	}
}

// testBatches sends batchSizes values in one request, then spread over
// requests of uneven sizes on one stream, and expects one result per
// value, in order, both ways.
func (f *formatterChecks) testBatches(t *testing.T) {
	for _, n := range batchSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			values := make([][]byte, n)
			for i := range values {
				values[i] = mustCanonical(fmt.Sprintf(`{"n": %d, "s": "value %d"}`, i, i))
			}
			t.Run("OneRequest", func(t *testing.T) { f.batchRoundTrip(t, values, []int{n}) })
			t.Run("SeveralRequests", func(t *testing.T) { f.batchRoundTrip(t, values, unevenSizes(n)) })
		})
	}
}

// unevenSizes cuts n into batches of awkward sizes.
func unevenSizes(n int) []int {
	pattern := []int{1, 7, 256, 100, 255, 3, 257}
	var sizes []int
	for i := 0; n > 0; i++ {
		s := min(pattern[i%len(pattern)], n)
		sizes = append(sizes, s)
		n -= s
	}
	return sizes
}

func (f *formatterChecks) batchRoundTrip(t *testing.T, values [][]byte, sizes []int) {
	ctx, cancel := callContext(t.Context())
	defer cancel()
	var batches [][]*pb.Value
	next := 0
	for _, s := range sizes {
		var b []*pb.Value
		for _, v := range values[next : next+s] {
			b = append(b, &pb.Value{Json: v, Source: "sdktest/batch"})
		}
		batches = append(batches, b)
		next += s
	}
	encoded, err := f.encodeBatches(ctx, pb.Encode_STYLE_STREAM, batches)
	if err != nil {
		t.Fatal(err)
	}
	var docBatches [][]*pb.Document
	for i, rs := range encoded {
		var docs []*pb.Document
		for j, r := range rs {
			if d := r.GetError(); d != nil {
				t.Fatalf("request %d, value %d: Encode failed: %v", i+1, j+1, fromproto.Error(d))
			}
			docs = append(docs, f.document("batch", r.GetContent()))
		}
		docBatches = append(docBatches, docs)
	}
	decoded, err := f.decodeBatches(ctx, docBatches)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rs := range decoded {
		for _, r := range rs {
			if d := r.GetError(); d != nil {
				t.Fatalf("value %d: Decode failed: %v", n, fromproto.Error(d))
			}
			if len(r.GetValues()) != 1 || !bytes.Equal(r.GetValues()[0].GetJson(), values[n]) {
				t.Fatalf("result %d is not value %d: results must come one per value, in order\n got %d values: %s\nwant %s",
					n, n, len(r.GetValues()), firstJSON(r.GetValues()), values[n])
			}
			n++
		}
	}
}

func firstJSON(vs []*pb.Value) string {
	if len(vs) == 0 {
		return ""
	}
	return clip(vs[0].GetJson())
}

// testCancel cancels Encode and Decode streams with requests in flight:
// each must end promptly with codes.Canceled, and the formatter must
// still answer new calls afterwards.
func (f *formatterChecks) testCancel(t *testing.T) {
	value := mustCanonical(`{"name": "cancel me", "n": 1}`)
	values := make([]*pb.Value, 100)
	for i := range values {
		values[i] = &pb.Value{Json: value, Source: "sdktest/cancel"}
	}
	ctx, cancel := callContext(t.Context())
	defer cancel()
	encoded, err := f.encode(ctx, pb.Encode_STYLE_STREAM, values[:1])
	if err != nil {
		t.Fatal(err)
	}
	if d := encoded[0].GetError(); d != nil {
		t.Fatalf("Encode failed: %v", fromproto.Error(d))
	}
	docs := make([]*pb.Document, 100)
	for i := range docs {
		docs[i] = f.document("cancel", encoded[0].GetContent())
	}

	t.Run("Encode", func(t *testing.T) {
		cancelMidStream(t, f.client.Encode, &pb.Encode_Request{Format: f.opt.Name, Style: pb.Encode_STYLE_STREAM, Values: values})
		if _, err := f.encode(ctx, pb.Encode_STYLE_STREAM, values[:1]); err != nil {
			t.Errorf("after a cancelled stream, a new one fails: %v", err)
		}
	})
	t.Run("Decode", func(t *testing.T) {
		cancelMidStream(t, f.client.Decode, &pb.Decode_Request{Format: f.opt.Name, Documents: docs})
		if _, err := f.decode(ctx, docs[:1]); err != nil {
			t.Errorf("after a cancelled stream, a new one fails: %v", err)
		}
	})
}

// cancelMidStream keeps sending req on a new stream, cancels it once the
// first answer is back, and checks how the stream ends.
func cancelMidStream[Req, Resp any](t *testing.T, open func(context.Context, ...grpc.CallOption) (grpc.BidiStreamingClient[Req, Resp], error), req *Req) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		// Never half-closed: requests stay in flight until the cancel.
		for stream.Send(req) == nil {
		}
	})
	if _, err := stream.Recv(); err != nil {
		cancel()
		t.Fatalf("no answer to the first request: %v", err)
	}
	cancel()
	if err := endsCancelled(func() error { _, err := stream.Recv(); return err }); err != nil {
		t.Error(err)
	}
}

// testGarbage decodes documents that are not valid in any format: each
// must give a diagnostic naming the document, and the stream must go on
// to decode a valid document after them.
func (f *formatterChecks) testGarbage(t *testing.T) {
	garbage := f.opt.Garbage
	if garbage == nil {
		garbage = defaultGarbage
	}
	ctx, cancel := callContext(t.Context())
	defer cancel()
	valid := mustCanonical(`{"valid": true}`)
	encoded, err := f.encode(ctx, pb.Encode_STYLE_FILE_UNSPECIFIED, []*pb.Value{{Json: valid, Source: "sdktest/valid"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := encoded[0].GetError(); d != nil {
		t.Fatalf("Encode failed: %v", fromproto.Error(d))
	}
	var docs []*pb.Document
	for i, g := range garbage {
		docs = append(docs, f.document(fmt.Sprintf("garbage-%d", i+1), g))
	}
	docs = append(docs, f.document("valid", encoded[0].GetContent()))
	results, err := f.decode(ctx, docs)
	if err != nil {
		t.Fatalf("garbage broke the stream instead of giving diagnostics: %v", err)
	}
	for i, r := range results[:len(garbage)] {
		doc := docs[i]
		d := r.GetError()
		switch {
		case d == nil:
			t.Errorf("%q decoded without an error, to %d values", clip(doc.GetContent()), len(r.GetValues()))
		case strings.Contains(d.GetSummary(), "panicked"):
			t.Errorf("%q made Decode panic: %s", clip(doc.GetContent()), d.GetSummary())
		case d.GetSource() != doc.GetSource():
			t.Errorf("%q: the diagnostic %q names source %q; want the document's, %q (return an *sdk.Error)",
				clip(doc.GetContent()), d.GetSummary(), d.GetSource(), doc.GetSource())
		case d.GetSummary() == "":
			t.Errorf("%q: the diagnostic says nothing", clip(doc.GetContent()))
		}
	}
	f.checkDecoded(t, "valid document after garbage", docs[len(garbage)], results[len(garbage)], valid)
}
