// Command misbehave is a plugin for tests that breaks the protocol on
// purpose, built as its own binary (resource-sync-plugin-misbehave). It
// speaks the wire protocol directly, without the SDK, which would not let
// it misbehave. $MISBEHAVE says how:
//
// Its endpoint (misbehave://ANYTHING, a destination) reports writes:
//
//	unknown-seq     a result for an item it was never sent
//	duplicate       every item twice
//	staged-twice    every item staged twice
//	unknown-status  status 7
//	unreported      nothing at all, then done after the first message
//	early-done      the first message's items, then done
//	no-done         every item, then ends without done
//	after-done      done, then a result
//	fail-first      the first item failed, the others written; well behaved
//
// Its schema (--schema misbehave) answers Classify:
//
//	classify-extra  two answers to each request
//	classify-short  no result for any value
//
// Anything else, and the component behaves. With $MISBEHAVE_LOG set, the
// endpoint appends the TYPE/ID of every item it receives to that file, one
// a line, so a test can tell what was sent.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/wire"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

func main() {
	mode := os.Getenv("MISBEHAVE")
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: wire.Handshake,
		VersionedPlugins: wire.PluginSet(func(s *grpc.Server) {
			pb.RegisterPluginInfoServer(s, info{})
			pb.RegisterEndpointServer(s, &endpoint{mode: mode})
			pb.RegisterSchemaServer(s, &schema{mode: mode})
		}),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(batch.MaxMessageBytes), grpc.MaxSendMsgSize(batch.MaxMessageBytes))...)
		},
	})
}

type info struct {
	pb.UnimplementedPluginInfoServer
}

func (info) Describe(context.Context, *pb.Describe_Request) (*pb.Describe_Response, error) {
	return &pb.Describe_Response{
		Name: "misbehave", Version: "0.0.0", ProtocolVersion: wire.ProtocolVersion,
		Limits: &pb.Limits{MaxMessageBytes: batch.MaxMessageBytes, MaxBatchItems: batch.MaxItems},
		Components: []*pb.Component{
			{Kind: pb.Component_KIND_ENDPOINT, Name: "misbehave", Summary: "breaks the write protocol (tests)",
				Schemes:      []string{"misbehave"},
				Capabilities: []pb.Capability{pb.Capability_CAPABILITY_WRITE, pb.Capability_CAPABILITY_STAGED_WRITES}},
			{Kind: pb.Component_KIND_SCHEMA, Name: "misbehave", Summary: "breaks the classify protocol (tests)"},
		},
	}, nil
}

type endpoint struct {
	pb.UnimplementedEndpointServer
	mode string
}

func (e *endpoint) Open(context.Context, *pb.Open_Request) (*pb.Open_Response, error) {
	return &pb.Open_Response{Handle: "1"}, nil
}

func (e *endpoint) Close(context.Context, *pb.Close_Request) (*pb.Close_Response, error) {
	return &pb.Close_Response{}, nil
}

// Write answers each message of items as its mode says, once the host
// half-closes (or at once, where the misbehaviour needs no items).
func (e *endpoint) Write(stream grpc.BidiStreamingServer[pb.Write_Request, pb.Write_Response]) error {
	items := 0
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		var results []*pb.Write_Result
		for _, it := range req.GetItems() {
			seq := it.GetSeq()
			items++
			if err := logItem(it.GetResource()); err != nil {
				return err
			}
			switch e.mode {
			case "unknown-seq":
				results = append(results, &pb.Write_Result{Seq: seq + 1000, Status: pb.Write_STATUS_WRITTEN})
			case "duplicate":
				results = append(results, written(seq), written(seq))
			case "staged-twice":
				staged := &pb.Write_Result{Seq: seq, Status: pb.Write_STATUS_STAGED}
				results = append(results, staged, staged)
			case "unknown-status":
				results = append(results, &pb.Write_Result{Seq: seq, Status: 7})
			case "unreported":
			case "early-done":
				results = append(results, written(seq))
			case "fail-first":
				if items == 1 {
					results = append(results, &pb.Write_Result{Seq: seq, Status: pb.Write_STATUS_FAILED,
						Error: &pb.Diagnostic{Summary: "refused by misbehave", Source: it.GetResource().GetSource()}})
				} else {
					results = append(results, written(seq))
				}
			default:
				results = append(results, written(seq))
			}
		}
		if len(results) > 0 {
			if err := stream.Send(&pb.Write_Response{Results: results}); err != nil {
				return err
			}
		}
		if e.mode == "unreported" || e.mode == "early-done" {
			break // done with items still to come
		}
	}
	switch e.mode {
	case "no-done":
		return nil
	case "after-done":
		if err := stream.Send(&pb.Write_Response{Done: true}); err != nil {
			return err
		}
		return stream.Send(&pb.Write_Response{Results: []*pb.Write_Result{written(0)}})
	}
	return stream.Send(&pb.Write_Response{Done: true})
}

// logItem records a received item in $MISBEHAVE_LOG.
func logItem(r *pb.Resource) error {
	name := os.Getenv("MISBEHAVE_LOG")
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(r.GetType() + "/" + r.GetId() + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func written(seq int64) *pb.Write_Result {
	return &pb.Write_Result{Seq: seq, Status: pb.Write_STATUS_WRITTEN}
}

type schema struct {
	pb.UnimplementedSchemaServer
	mode string
}

// Classify makes each value one resource, "thing/vN" for the Nth value
// of the stream.
func (s *schema) Classify(stream grpc.BidiStreamingServer[pb.Classify_Request, pb.Classify_Response]) error {
	n := 0
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp := &pb.Classify_Response{}
		if s.mode != "classify-short" {
			for _, v := range req.GetValues() {
				n++
				resp.Results = append(resp.Results, &pb.Classify_Result{Resources: []*pb.Resource{{
					Id: "v" + strconv.Itoa(n), Type: "thing", Json: v.GetJson(), Source: v.GetSource(), Line: v.GetLine()}}})
			}
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
		if s.mode == "classify-extra" {
			if err := stream.Send(resp); err != nil {
				return err
			}
		}
	}
}
