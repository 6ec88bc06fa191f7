from django.urls import path

from registrar import views

urlpatterns = [
    path("search/", views.search, name="search"),
]
