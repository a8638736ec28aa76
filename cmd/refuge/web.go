package main

import "github.com/gorilla/mux"

// webRoutes adds the routes of the signed-in web interface.
func (a *App) webRoutes(r *mux.Router) {}
