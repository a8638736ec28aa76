package api

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"

	"refuge/outbox"
	"refuge/storage"
)

// Marker is where an account stopped reading a timeline.
type Marker struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

// markerTimelines are the timelines an account may keep its place in.
var markerTimelines = []string{outbox.MarkerHome, outbox.MarkerNotifications}

// markersOf is the answer of the markers endpoints: each marker by its timeline.
func markersOf(list []storage.Marker) map[string]Marker {
	out := map[string]Marker{}
	for _, m := range list {
		out[m.Timeline] = Marker{LastReadID: m.LastReadID, Version: m.Version, UpdatedAt: timeOf(m.Updated)}
	}
	return out
}

// markers answers GET /api/v1/markers?timeline[]=home&timeline[]=notifications: the
// markers saved of the timelines asked for; none asked, none answered.
func (h *Handler) markers(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	names, err := listParam(r.URL.Query(), "timeline", len(markerTimelines))
	if err != nil {
		return err
	}
	list, err := h.Read.Markers(r.Context(), viewer.ID, names)
	if err != nil {
		return err
	}
	return ok(w, markersOf(list))
}

// saveMarkers answers POST /api/v1/markers: home[last_read_id] and
// notifications[last_read_id], as a form, the query or JSON ({"home": {"last_read_id":
// "..."}}). It answers the markers saved.
func (h *Handler) saveMarkers(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := markerParams(w, r)
	if err != nil {
		return err
	}
	var list []*storage.Marker
	for _, t := range markerTimelines {
		if id, set := q[t+"[last_read_id]"]; set {
			list = append(list, &storage.Marker{Timeline: t, LastReadID: id[0]})
		}
	}
	if err := h.Outbox.SaveMarkers(r.Context(), viewer, list); err != nil {
		return err
	}
	saved := make([]storage.Marker, len(list))
	for i, m := range list {
		saved[i] = *m
	}
	return ok(w, markersOf(saved))
}

// markerParams reads the parameters of a marker's save. A JSON body nests each timeline's
// attributes in an object, which are read as a form names them (home[last_read_id]).
func markerParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return params(w, r, maxParamsBytes)
	}
	var body map[string]map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxParamsBytes)).Decode(&body); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the body is not a JSON object of timelines")
	}
	q := r.URL.Query()
	for timeline, attrs := range body {
		for k, v := range attrs {
			if vals := jsonValues(v); len(vals) > 0 {
				q[timeline+"["+k+"]"] = vals
			}
		}
	}
	return q, nil
}
