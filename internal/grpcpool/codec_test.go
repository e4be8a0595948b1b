package grpcpool

import (
	"bytes"
	"fmt"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// TestCodecRoundTrip marshals messages below and above the pooling
// threshold, and unmarshals them whole and received in several frames,
// after the pool's buffers were dirtied by a message of other bytes.
func TestCodecRoundTrip(t *testing.T) {
	message := func(docs int, fill byte) *pb.Read_Response {
		m := &pb.Read_Response{}
		for i := range docs {
			m.Documents = append(m.Documents, &pb.Document{
				Content: bytes.Repeat([]byte{fill}, 1000+i), Source: fmt.Sprintf("doc %d", i), Version: "v1"})
		}
		return m
	}
	c := codec{}
	for _, docs := range []int{0, 1, 100} {
		// Leave buffers of other bytes in the pool first.
		if dirty, err := c.Marshal(message(docs, 0xff)); err == nil {
			dirty.Free()
		}
		want := message(docs, 'a')
		data, err := c.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		wire := data.Materialize()
		data.Free()
		if plain, _ := proto.Marshal(want); !bytes.Equal(wire, plain) {
			t.Fatalf("%d documents: marshalled differently from proto.Marshal", docs)
		}
		third := len(wire) / 3
		for name, in := range map[string]mem.BufferSlice{
			"whole":    {mem.SliceBuffer(wire)},
			"in parts": {mem.SliceBuffer(wire[:third]), mem.SliceBuffer(wire[third : 2*third]), mem.SliceBuffer(wire[2*third:])},
		} {
			got := &pb.Read_Response{}
			if err := c.Unmarshal(in, got); err != nil {
				t.Fatalf("%d documents, %s: %v", docs, name, err)
			}
			if !proto.Equal(got, want) {
				t.Errorf("%d documents, %s: unmarshalled another message", docs, name)
			}
		}
	}
}
