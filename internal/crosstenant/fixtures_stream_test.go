package crosstenant

// The live stream (GET /api/v1/stream) is walked as a list: replaying the
// whole stored stream (last_event_id=0) and ending instead of following,
// it must show nothing of the other org (whose fixtures' creation emitted
// events naming their ids). stream_test.go covers live delivery.
func init() {
	defaults.ListQueries["stream-events"] = "last_event_id=0&follow=false"
}
