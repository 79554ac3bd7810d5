from django.urls import path

from . import views

app_name = "apartments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("board/", views.board, name="board"),
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking"),
    path("bookings/<int:booking_id>/configure/", views.configure, name="configure"),
    path("bookings/<int:booking_id>/preview/", views.preview, name="preview"),
    path("bookings/<int:booking_id>/<slug:action>/", views.booking_action, name="booking_action"),
    path("catalogue/", views.catalogue_home, name="catalogue"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/logo/", views.project_logo, name="project_logo"),
    path("projects/<int:project_id>/logo.img", views.logo, name="logo"),
    path("units/<int:apartment_id>/", views.apartment_detail, name="apartment"),
    path("units/<int:apartment_id>/book/", views.book, name="book"),
    path("units/<int:apartment_id>/<slug:action>/", views.apartment_action, name="apartment_action"),
    path("photos/<int:photo_id>.img", views.photo, name="photo"),
    path("prices/<slug:what>/<int:item_id>/", views.price_change, name="price_change"),
    path("shop/", views.shop, name="shop"),
    path("my/", views.my_bookings, name="my_bookings"),
]
