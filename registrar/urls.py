from django.contrib.auth import views as auth_views
from django.urls import path

from registrar import hosting, views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/remove/", views.cart_remove, name="cart-remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<int:order_id>/", views.order_page, name="order"),
    path("orders/<int:order_id>/progress/", views.order_progress, name="order-progress"),
    path("domains/", views.domains, name="domains"),
    path("domains/transfer-in/", views.transfer_in, name="transfer-in"),
    path("domains/<str:name>/", views.domain_page, name="domain"),
    path("domains/<str:name>/auto-renew/", views.auto_renew, name="auto-renew"),
    path("domains/<str:name>/renew/", views.renew, name="renew"),
    path("domains/<str:name>/restore/", views.restore, name="restore"),
    path("domains/<str:name>/auth-code/", views.reveal_auth_code, name="reveal-auth-code"),
    path("domains/<str:name>/transfer-lock/", views.transfer_lock, name="transfer-lock"),
    path("zones/", hosting.zones, name="zones"),
    path("zones/<str:zone_id>/", hosting.zone_page, name="zone"),
    path("zones/<str:zone_id>/tsig-keys/", hosting.tsig_keys, name="zone-tsig-keys"),
    path("zones/<str:zone_id>/secondaries/", hosting.secondaries, name="zone-secondaries"),
    path("health-checks/", hosting.add_health_check, name="add-health-check"),
    path("account/", views.account, name="account"),
    path("account/access-keys/", hosting.access_keys, name="access-keys"),
    path("account/card/", views.keep_card, name="keep-card"),
]
