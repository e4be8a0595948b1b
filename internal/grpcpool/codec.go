package grpcpool

import (
	"fmt"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
)

// codec is gRPC's protobuf codec with its buffers from this pool, taken
// without clearing them: marshalling a message, or gathering one received
// in several frames, overwrites every byte. gRPC's own takes them from
// its default pool whatever the connection's, clearing up to 1 MiB each
// time; in the host that was a tenth of its CPU time.
type codec struct{}

// Name is the default codec's: peers see no difference.
func (codec) Name() string { return "proto" }

func (codec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("proto: cannot marshal %T, not a proto.Message", v)
	}
	// UseCachedSize reuses this Size: the message does not change between.
	size := proto.Size(m)
	opts := proto.MarshalOptions{UseCachedSize: true}
	if mem.IsBelowBufferPoolingThreshold(size) {
		b, err := opts.Marshal(m)
		if err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	buf := shared.getUncleared(size)
	b, err := opts.MarshalAppend((*buf)[:0], m)
	if err != nil {
		shared.Put(buf)
		return nil, err
	}
	*buf = b
	return mem.BufferSlice{mem.NewBuffer(buf, shared)}, nil
}

func (codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("proto: cannot unmarshal into %T, not a proto.Message", v)
	}
	// Unmarshal copies what it keeps: the buffer can go back at once.
	if len(data) == 1 {
		return proto.Unmarshal(data[0].ReadOnlyData(), m)
	}
	buf := shared.getUncleared(data.Len())
	defer shared.Put(buf)
	data.CopyTo(*buf)
	return proto.Unmarshal(*buf, m)
}
